"""``DictAction``: ``--cfg-options a.b=1 c=[1,2]`` for argparse, with MMEngine's value parsing."""
from __future__ import annotations

import copy
from argparse import Action, ArgumentError, ArgumentParser, Namespace
from collections.abc import Sequence
from typing import Any


def parse_scalar(text: str) -> Any:
    """``'1'`` -> 1, ``'1.5'`` -> 1.5, ``'true'``/``'false'`` -> bool, ``'None'`` -> None."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ('true', 'false'):
        return text.lower() == 'true'
    if text == 'None':
        return None
    return text


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets or parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in '([':
            depth += 1
        elif char in ')]':
            depth -= 1
        elif char == ',' and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def parse_value(text: str) -> Any:
    """Parse a ``--cfg-options`` value: scalars, ``a,b`` or ``[a,b]`` lists, ``(a,b)`` tuples.

    Raises:
        ValueError: If brackets are unbalanced.
    """
    text = text.strip('\'"').replace(' ', '')
    if text.count('(') != text.count(')') or text.count('[') != text.count(']'):
        raise ValueError(f'unbalanced brackets in {text!r}')
    is_tuple = text.startswith('(') and text.endswith(')')
    if is_tuple or (text.startswith('[') and text.endswith(']')):
        text = text[1:-1]
    elif ',' not in text:
        return parse_scalar(text)
    parts = _split_top_level(text) if text else []
    if parts and text.endswith(','):
        parts.pop()
    values = [parse_value(part) for part in parts]
    return tuple(values) if is_tuple else values


class DictAction(Action):
    """Argparse action collecting ``KEY=VALUE`` pairs into a dict.

    Values are parsed as int, float, bool (``true``/``false``), ``None``, or
    kept as str; ``a,b,c`` and ``[a,b,c]`` give lists, ``(a,b)`` tuples, and
    brackets nest: ``KEY=[(1,2),(3,4)]``. Repeated flags accumulate.

    Example::

        >>> parser = ArgumentParser()
        >>> _ = parser.add_argument('--cfg-options', nargs='+', action=DictAction)
        >>> parser.parse_args(['--cfg-options', 'a.b=1', 'c=[1,(2,3)]']).cfg_options
        {'a.b': 1, 'c': [1, (2, 3)]}
    """

    _parse_int_float_bool = staticmethod(parse_scalar)
    _parse_iterable = staticmethod(parse_value)

    def __call__(self, parser: ArgumentParser, namespace: Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        for pair in [values] if isinstance(values, str) else (values or []):
            key, sep, value = pair.partition('=')
            if not sep or not key:
                raise ArgumentError(self, f'{pair!r} is not KEY=VALUE (for example '
                                          'train_cfg.max_epochs=12)')
            try:
                options[key] = parse_value(value)
            except ValueError as error:
                raise ArgumentError(self, f'bad value for {key}: {error}') from None
        setattr(namespace, self.dest, options)
