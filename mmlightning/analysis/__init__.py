"""Model complexity: flops, activations and parameters per submodule (MMEngine's ``analysis``).

Counting follows fvcore's conventions, as MMEngine's does: the model's forward is traced with
``torch.jit``, each operator is counted by a handle, and one fused multiply-add is one flop.
"""
from .complexity_analysis import (
                                  ActivationAnalyzer,
                                  FlopAnalyzer,
                                  activation_count,
                                  flop_count,
                                  parameter_count,
                                  parameter_count_table,
)
from .print_helper import get_model_complexity_info

__all__ = [
    'FlopAnalyzer', 'ActivationAnalyzer', 'flop_count', 'activation_count', 'parameter_count',
    'parameter_count_table', 'get_model_complexity_info'
]
