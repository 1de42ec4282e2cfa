"""Inference helpers: ``init_model`` builds a trained model, ``inference_model`` predicts.

As ``mmpretrain.apis`` / ``mmdet.apis`` (MMEngine itself ships no ``apis``).
"""
from .inference import inference_model, init_model

__all__ = ['inference_model', 'init_model']
