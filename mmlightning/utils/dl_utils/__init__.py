"""Helpers that need torch (mirrors ``mmengine.utils.dl_utils``)."""
from .collect_env import collect_env
from .misc import has_batch_norm, is_norm, mmcv_full_available, tensor2imgs
from .setup_env import set_multi_processing
from .time_counter import TimeCounter
from .torch_ops import TORCH_VERSION, is_jit_tracing, torch_meshgrid

__all__ = [
    'TORCH_VERSION', 'set_multi_processing', 'has_batch_norm', 'is_norm', 'tensor2imgs',
    'mmcv_full_available', 'collect_env', 'torch_meshgrid', 'is_jit_tracing', 'TimeCounter'
]
