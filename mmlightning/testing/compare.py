"""Comparison helpers for unit tests (``mmengine.testing.compare``).

``assert_allclose`` raises ``AssertionError`` with torch's description of the
mismatch. The other ``assert_*`` helpers are predicates, as in MMEngine: they
return ``True`` or ``False`` and are used as ``assert assert_dict_has_keys(...)``
(or ``assert not ...``), so pytest's assertion rewriting shows the arguments.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from runpy import run_path
from shlex import split
from typing import Any
from unittest.mock import patch

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

__all__ = [
    'assert_allclose', 'assert_attrs_equal', 'assert_dict_contains_subset',
    'assert_dict_has_keys', 'assert_is_norm_layer', 'assert_keys_equal',
    'assert_params_all_zeros', 'check_python_script'
]

#: Default (rtol, atol) per dtype of the ``torch.testing.assert_allclose`` MMEngine wraps.
_ALLCLOSE_PRECISIONS = {
    torch.float16: (1e-3, 1e-3),
    torch.float32: (1e-4, 1e-5),
    torch.float64: (1e-5, 1e-8),
}
_NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True,
                    msg: str | Callable[[str], str] | None = '') -> None:
    """Assert that ``actual`` and ``expected`` are close.

    The semantics of the (deprecated) ``torch.testing.assert_allclose`` that
    MMEngine wraps: non-tensors are turned into tensors (``expected`` with the
    dtype of ``actual``), dtypes and strides are not compared, devices are, and
    without ``rtol``/``atol`` the tolerances come from the dtypes: float16
    ``(1e-3, 1e-3)``, float32 ``(1e-4, 1e-5)``, float64 ``(1e-5, 1e-8)``, the
    loosest of the two inputs (exact for other dtypes).

    Args:
        actual: Actual input (tensor, number, or nested sequence of numbers).
        expected: Expected input.
        rtol: Relative tolerance; if given, ``atol`` must be given too.
        atol: Absolute tolerance; if given, ``rtol`` must be given too.
        equal_nan: Whether two ``NaN`` values count as equal.
        msg: Message used instead of the generated one, or a callable that
            receives the generated message and returns the one to use.

    Raises:
        AssertionError: If the inputs are not close, or differ in shape or device.
        ValueError: If only one of ``rtol`` and ``atol`` is given.
    """
    if not isinstance(actual, torch.Tensor):
        actual = torch.tensor(actual)
    if not isinstance(expected, torch.Tensor):
        expected = torch.tensor(expected, dtype=actual.dtype)
    if (rtol is None) != (atol is None):
        raise ValueError(f'assert_allclose got rtol={rtol} and atol={atol}: pass both '
                         'tolerances, or neither to use the defaults of the dtypes')
    if rtol is None:
        tolerances = [_ALLCLOSE_PRECISIONS.get(t.dtype, (0.0, 0.0)) for t in (actual, expected)]
        rtol = max(tol[0] for tol in tolerances)
        atol = max(tol[1] for tol in tolerances)
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                               check_device=True, check_dtype=False, check_stride=False,
                               msg=msg or None)


def check_python_script(cmd: str) -> None:
    """Run a Python script as ``__main__`` in this process, with ``sys.argv`` set from ``cmd``.

    Unlike ``os.system`` the script runs in the current process, so coverage
    tools see it. Both ``'path/to/script.py arg'`` and ``'python
    path/to/script.py arg'`` are accepted; exceptions of the script propagate.

    Args:
        cmd: The command line.
    """
    args = split(cmd)
    if args and args[0] == 'python':
        args = args[1:]
    if not args:
        raise ValueError(f'check_python_script got {cmd!r}, which names no script; pass e.g. '
                         "'tests/data/scripts/hello.py --name x'")
    with patch.object(sys, 'argv', args):
        run_path(args[0], run_name='__main__')


def _any(judge_result: Any) -> bool:
    """``any`` over arbitrarily nested results of ``!=`` (tensors, arrays, lists, bools)."""
    if isinstance(judge_result, (str, bytes)) or not isinstance(judge_result, Iterable):
        return bool(judge_result)
    try:
        return any(_any(element) for element in judge_result)
    except TypeError:  # 0-d tensors and arrays are Iterable but cannot be iterated
        return bool(judge_result)


def _differs(value: Any, expected: Any) -> bool:
    try:
        return _any(value != expected)
    except (RuntimeError, ValueError):  # tensors/arrays whose shapes do not broadcast
        return True


def assert_dict_contains_subset(dict_obj: Mapping[Any, Any],
                                expected_subset: Mapping[Any, Any]) -> bool:
    """Whether ``dict_obj`` holds every key of ``expected_subset`` with an equal value.

    Values are compared with ``!=``, element-wise for tensors and arrays.

    Args:
        dict_obj: Mapping to check.
        expected_subset: Keys and values it must contain.

    Returns:
        Whether ``dict_obj`` contains ``expected_subset``.
    """
    return all(key in dict_obj and not _differs(dict_obj[key], value)
               for key, value in expected_subset.items())


def assert_attrs_equal(obj: Any, expected_attrs: Mapping[str, Any]) -> bool:
    """Whether ``obj`` has every attribute of ``expected_attrs`` with an equal value.

    Args:
        obj: Object to check.
        expected_attrs: Attribute names and expected values.

    Returns:
        Whether all attributes exist and are equal.
    """
    return all(hasattr(obj, attr) and not _differs(getattr(obj, attr), value)
               for attr, value in expected_attrs.items())


def assert_dict_has_keys(obj: Mapping[Any, Any], expected_keys: Iterable[Any]) -> bool:
    """Whether ``obj`` has all of ``expected_keys`` (it may have more).

    Args:
        obj: Mapping to check.
        expected_keys: Keys it must have.

    Returns:
        Whether every expected key is a key of ``obj``.
    """
    return set(expected_keys).issubset(set(obj.keys()))


def assert_keys_equal(result_keys: Iterable[Any], target_keys: Iterable[Any]) -> bool:
    """Whether two collections of keys hold the same keys (order and repeats ignored).

    Args:
        result_keys: Keys to check.
        target_keys: Expected keys.

    Returns:
        Whether the two sets of keys are equal.
    """
    return set(result_keys) == set(target_keys)


def assert_is_norm_layer(module: nn.Module) -> bool:
    """Whether ``module`` is a normalization layer (batch, sync batch, instance, group, layer).

    Args:
        module: The module to check.

    Returns:
        Whether it is an instance of one of those norm layer classes.
    """
    return isinstance(module, _NORM_LAYERS)


def assert_params_all_zeros(module: nn.Module) -> bool:
    """Whether the ``weight`` (and ``bias``, if any) of ``module`` are all zeros.

    Args:
        module: A module with a ``weight`` tensor, such as ``nn.Linear`` or ``nn.Conv2d``.

    Returns:
        Whether weight and bias are all (close to) zero.

    Raises:
        AttributeError: If ``module`` has no ``weight`` tensor.
    """
    weight = getattr(module, 'weight', None)
    if not isinstance(weight, torch.Tensor):
        raise AttributeError(f'assert_params_all_zeros needs a module with a weight tensor, '
                             f'{type(module).__name__} has weight={weight!r}; pass the layer '
                             '(e.g. model.conv1), not its container')
    tensors = [weight.data]
    bias = getattr(module, 'bias', None)
    if bias is not None:
        tensors.append(bias.data)
    return all(t.allclose(t.new_zeros(t.size())) for t in tensors)
