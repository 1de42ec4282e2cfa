"""Weight initialisation: functional initialisers and the ``init_cfg`` initialiser classes."""
from .functions import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)
from .initialize import initialize
from .initializers import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
)
from .pretrained import PretrainedInit, load_state_dict

__all__ = [
    'BaseInit', 'Caffe2XavierInit', 'ConstantInit', 'KaimingInit', 'NormalInit',
    'PretrainedInit', 'TruncNormalInit', 'UniformInit', 'XavierInit', 'bias_init_with_prob',
    'caffe2_xavier_init', 'constant_init', 'initialize', 'kaiming_init', 'load_state_dict',
    'normal_init', 'trunc_normal_', 'trunc_normal_init', 'uniform_init', 'update_init_info',
    'xavier_init',
]
