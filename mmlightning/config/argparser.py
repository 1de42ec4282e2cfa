"""``Config.auto_argparser``: command-line flags generated from a config's keys (MMEngine's)."""
from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Mapping
from typing import Any

from .dict_action import parse_value

_SCALARS = (str, bool, int, float)


def add_args(parser: ArgumentParser, cfg: Mapping[str, Any], prefix: str = '') -> ArgumentParser:
    """Add one ``--key`` flag per leaf of ``cfg`` (nested keys dotted: ``--model.depth``).

    A str gives a string flag, a bool a ``store_true`` flag, an int or float a
    flag of that type, a list or tuple of scalars a ``nargs='+'`` flag typed by
    its first item (``nargs='*'`` of strings when empty). Other values (``None``,
    lists of dicts, objects) get a flag whose values are parsed as
    ``--cfg-options`` values are (MMEngine types it by the value, which fails).

    Args:
        parser: The parser to add to.
        cfg: The config, or one of its dicts.
        prefix: Dotted path of ``cfg`` in the config, with a trailing dot.

    Returns:
        ``parser``.
    """
    for key, value in cfg.items():
        flag = f'--{prefix}{key}'
        if isinstance(value, bool):
            parser.add_argument(flag, action='store_true')
        elif isinstance(value, (str, int, float)):
            parser.add_argument(flag, type=type(value) if not isinstance(value, str) else None)
        elif isinstance(value, Mapping):
            add_args(parser, value, f'{prefix}{key}.')
        elif isinstance(value, (list, tuple)) and not value:
            parser.add_argument(flag, nargs='*')
        elif isinstance(value, (list, tuple)) and isinstance(value[0], _SCALARS):
            first = value[0]
            parser.add_argument(flag, nargs='+',
                                type=None if isinstance(first, (str, bool)) else type(first))
        elif isinstance(value, (list, tuple)):
            parser.add_argument(flag, nargs='+', type=parse_value)
        else:
            parser.add_argument(flag, type=parse_value)
    return parser


def auto_argparser(description: str | None = None) -> tuple[ArgumentParser, Any]:
    """Read the config named by the first command-line argument and make flags of its keys.

    Args:
        description: The parser's description.

    Returns:
        The parser (positional ``config`` plus one flag per key) and the config.
    """
    from .config import Config

    partial_parser = ArgumentParser(description=description)
    partial_parser.add_argument('config', help='config file path')
    cfg_file = partial_parser.parse_known_args()[0].config
    cfg = Config.fromfile(cfg_file)
    parser = ArgumentParser(description=description)
    parser.add_argument('config', help='config file path')
    add_args(parser, cfg)
    return parser, cfg
