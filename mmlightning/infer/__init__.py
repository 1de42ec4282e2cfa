"""Inferencers: a model from a config and weights, run over inputs (``mmengine.infer``)."""
from .infer import BaseInferencer

__all__ = ['BaseInferencer']
