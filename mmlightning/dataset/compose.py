"""``Compose``: apply a sequence of transforms to a sample dict."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mmlightning.registry import TRANSFORMS
from mmlightning.utils.errors import add_note


def _name(transform: Callable) -> str:
    """A function's qualified name, else the transform's repr."""
    if inspect.isfunction(transform) or inspect.ismethod(transform):
        return transform.__qualname__
    return repr(transform)


@TRANSFORMS.register_module()
class Compose:
    """Compose transforms and apply them in order.

    A transform that returns ``None`` (a sample it cannot use) stops the
    chain and ``Compose`` returns ``None``; :class:`BaseDataset` then picks
    another sample in training.

    Args:
        transforms: Transform objects (callables) or config dicts built from
            the ``TRANSFORMS`` registry. ``None`` means no transform.

    Raises:
        TypeError: If an item is neither a dict nor callable, or a built
            transform is not callable.
    """

    def __init__(self, transforms: Sequence[Mapping | Callable] | None) -> None:
        self.transforms: list[Callable] = []
        for position, transform in enumerate(transforms or []):
            if isinstance(transform, Mapping):
                transform = TRANSFORMS.build(transform)
                if not callable(transform):
                    raise TypeError(
                        f'pipeline[{position}] built a {type(transform).__name__}, which is '
                        'not callable; a transform must define __call__(results)')
            elif not callable(transform):
                raise TypeError(
                    f'pipeline[{position}] must be a config dict or a callable, '
                    f'got {type(transform).__name__}: {transform!r}')
            self.transforms.append(transform)

    def __call__(self, data: Any) -> Any:
        """Apply each transform in turn.

        Args:
            data: The sample (usually a dict of results).

        Returns:
            The transformed sample, or ``None`` if a transform returned ``None``.

        Raises:
            Exception: Whatever a transform raises, of the same type, with a
                note naming the transform and its position.
        """
        for position, transform in enumerate(self.transforms):
            try:
                data = transform(data)
            except Exception as error:
                add_note(error, f'raised by pipeline[{position}] {_name(transform)}')
                raise
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        lines = ''.join(f'\n    {transform}' for transform in self.transforms)
        return f'{type(self).__name__}({lines}\n)'
