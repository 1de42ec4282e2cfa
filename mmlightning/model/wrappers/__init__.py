"""Model wrappers (DDP and friends are Lightning's job); ``is_model_wrapper``."""
from .utils import is_model_wrapper

__all__ = ['is_model_wrapper']
