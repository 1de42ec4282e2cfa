"""The ``mmlightning`` command.

``print-config`` works today; ``train``, ``test``, ``val``, ``predict``,
``convert-ckpt`` and ``plot-logs`` arrive with the training engine and are
listed in ``--help`` as not available yet.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .config import Config, DictAction

COMING = ('train', 'test', 'val', 'predict', 'convert-ckpt', 'plot-logs')
USER_ERRORS = (FileNotFoundError, SyntaxError, KeyError, TypeError, ValueError, OSError,
               ImportError, RuntimeError)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='mmlightning',
        description='MMEngine-style configs on the PyTorch Lightning Trainer. '
                    f'Not available yet in this version: {", ".join(COMING)}.')
    parser.add_argument('--debug', action='store_true', help='show tracebacks on errors')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    show = commands.add_parser('print-config', help='print the fully merged config')
    show.add_argument('config', help='config file (.py, .yaml, .yml or .json)')
    show.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                      metavar='KEY=VALUE', help='override keys, e.g. train_cfg.max_epochs=3')
    show.add_argument('--format', choices=('py', 'yaml', 'json'), default='py',
                      help='output format (default: py)')
    show.add_argument('--explain', metavar='KEY',
                      help='print where KEY got its value along the _base_ chain instead')
    show.add_argument('--debug', action='store_true', help='show tracebacks on errors')
    for name in COMING:
        commands.add_parser(name, help='not available yet in this version')
    return parser


def print_config(args: argparse.Namespace) -> int:
    """``mmlightning print-config``: the merged config, or the provenance of one key."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='<cfg-options>')
    if args.explain:
        print(cfg.explain(args.explain))
    elif args.format == 'py':
        print(cfg.pretty_text, end='')
    else:
        from .config.config import _serialize

        print(_serialize(cfg.to_dict(), f'.{args.format}'), end='')
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmlightning`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command in COMING:
        print(f'mmlightning {args.command} is not available yet in this version.',
              file=sys.stderr)
        return 2
    try:
        return print_config(args)
    except USER_ERRORS as error:
        if args.debug:
            traceback.print_exc()
        message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
        print(f'mmlightning: error: {type(error).__name__}: {message}', file=sys.stderr)
        print('(run with --debug for the traceback)', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
