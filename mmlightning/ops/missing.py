"""Placeholders for the ``mmcv._ext`` kernels mmlightning does not implement.

``mmcv.ops`` imports every wrapper eagerly and each wrapper asserts that its kernel names exist, so
the extension module must define all of them. A kernel that has no torch implementation here is a
function that raises, when called, a :class:`NotImplementedError` naming the kernel, the mmcv class
that called it and where a working one comes from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NoReturn


def _mmcv_callers() -> list[str]:
    """Names the mmcv classes (innermost first) on the current call stack.

    An autograd ``Function`` shows up by its qualified name (``RoIAlignFunction`` from
    ``RoIAlignFunction.forward``), an ``nn.Module`` by its class.
    """
    callers: list[str] = []
    frame = inspect.currentframe()
    while frame is not None:
        module = frame.f_globals.get('__name__', '')
        if module == 'mmcv' or module.startswith('mmcv.'):
            qualname = frame.f_code.co_qualname
            owner = qualname.rpartition('.')[0]
            if owner and '<locals>' not in owner:
                name = f'{module}.{owner}'
                if name not in callers:
                    callers.append(name)
        frame = frame.f_back
    return callers


def not_implemented(name: str) -> Callable[..., NoReturn]:
    """Builds the placeholder for the kernel ``mmcv._ext.<name>``.

    Args:
        name: The kernel's name in ``mmcv._ext``.

    Returns:
        A function that raises :class:`NotImplementedError` whenever it is called.
    """

    def kernel(*args: Any, **kwargs: Any) -> NoReturn:
        callers = _mmcv_callers()
        called_by = f' (called by {", ".join(callers)})' if callers else ''
        raise NotImplementedError(
            f'mmcv._ext.{name}{called_by} has no torch implementation in mmlightning.ops; '
            'a compiled mmcv provides it (install the full `mmcv` package built for your torch '
            'instead of `mmcv-lite`).')

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f'Placeholder for ``mmcv._ext.{name}``: raises NotImplementedError.'
    kernel.mmlightning_not_implemented = True  # type: ignore[attr-defined]
    return kernel
