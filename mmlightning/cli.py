"""The ``mmlightning`` command: ``train``, ``test``, ``val``, ``predict``, ``print-config``,
``convert-ckpt`` and ``plot-logs``.

The training subcommands take the arguments of OpenMMLab's ``tools/train.py``
and ``tools/test.py``; ``predict`` runs a checkpoint on ``.npy`` and image files
(:mod:`mmlightning.apis`). Bad input (a config error, a missing file, a bad
``--cfg-options``) prints one paragraph and exits with status 2; ``--debug``
shows the traceback.
"""
from __future__ import annotations

import argparse
import logging
import os.path as osp
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .config import Config, DictAction
from .config.config import _import_custom_modules as import_custom_modules
from .registry.openmmlab import prepare_openmmlab

USER_ERRORS = (FileNotFoundError, SyntaxError, KeyError, TypeError, ValueError, OSError,
               ImportError, RuntimeError)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('config', help='config file (.py, .yaml, .yml or .json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        metavar='KEY=VALUE', help='override keys, e.g. train_cfg.max_epochs=3')
    parser.add_argument('--debug', action='store_true', help='show tracebacks on errors')


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='where logs and checkpoints go (default: the '
                                           "config's work_dir, else ./work_dirs/<config name>)")
    parser.add_argument('--launcher', choices=('none', 'pytorch', 'slurm'),
                        help='how processes were launched (default: the config, else none)')
    parser.add_argument('--devices', type=int, help='devices (GPUs) per node')


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='mmlightning',
        description='MMEngine-style configs on the PyTorch Lightning Trainer.')
    parser.add_argument('--debug', action='store_true', help='show tracebacks on errors')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    train = commands.add_parser('train', help='train a model from a config')
    _add_common(train)
    _add_run_options(train)
    train.add_argument('--resume', nargs='?', const=True, default=False, metavar='CHECKPOINT',
                       help='resume from CHECKPOINT, or from the latest one of work_dir')
    train.add_argument('--amp', action='store_true', help='mixed precision (AmpOptimWrapper)')
    train.add_argument('--auto-scale-lr', action='store_true',
                       help="scale the lr by the total batch size over the config's "
                            'auto_scale_lr.base_batch_size')
    for name, text in (('test', 'test a checkpoint'), ('val', 'validate a checkpoint')):
        evaluate = commands.add_parser(name, help=text)
        _add_common(evaluate)
        _add_run_options(evaluate)
        evaluate.add_argument('checkpoint', help='the weights to evaluate')
        evaluate.add_argument('--out', help='also dump the predictions to this .pkl file')
    show = commands.add_parser('print-config', help='print the fully merged config')
    _add_common(show)
    show.add_argument('--format', choices=('py', 'yaml', 'json'), default='py',
                      help='output format (default: py)')
    show.add_argument('--explain', metavar='KEY',
                      help='print where KEY got its value along the _base_ chain instead')
    convert = commands.add_parser(
        'convert-ckpt', help='convert a Lightning .ckpt to an MMEngine .pth, or back',
        description='Convert a checkpoint to the other format; the direction is read from '
                    "SOURCE's content: a Lightning .ckpt becomes an MMEngine .pth (for "
                    "MMEngine's load_from/resume), an MMEngine .pth becomes a Lightning .ckpt "
                    '(for trainer.fit(ckpt_path=...); Runner(resume=...) takes a .pth itself).')
    convert.add_argument('source', help='the checkpoint to convert (path or URL)')
    convert.add_argument('target', help='the file to write (.pth or .ckpt)')
    convert.add_argument('--debug', action='store_true', help='show tracebacks on errors')
    plot = commands.add_parser('plot-logs', help="draw a run's loss, lr and metric curves")
    plot.add_argument('work_dir', help="a work_dir, a run's log folder or a scalars.json")
    plot.add_argument('--out', help='the PNG to write (default: next to scalars.json)')
    plot.add_argument('--debug', action='store_true', help='show tracebacks on errors')
    _add_predict(commands)
    return parser


def _add_predict(commands: Any) -> None:
    predict = commands.add_parser('predict', help='predict .npy or image files with a checkpoint')
    predict.add_argument('config', help='config file (.py, .yaml, .yml or .json)')
    predict.add_argument('checkpoint', help='the weights (.pth or Lightning .ckpt)')
    predict.add_argument('inputs', nargs='+', metavar='INPUT',
                         help='files to predict: .npy arrays, .png/.jpg/.jpeg images')
    predict.add_argument('--out', help='also dump the predictions to this .json or .pkl file')
    predict.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0 (default: cpu)')
    predict.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                         metavar='KEY=VALUE', help='override keys of the config')
    predict.add_argument('--debug', action='store_true', help='show tracebacks on errors')


def _load(args: argparse.Namespace) -> Config:
    """The config with ``--cfg-options``.

    Its ``custom_imports`` are imported after mmcv got its kernels (an
    OpenMMLab module imports ``mmcv.ops``); the Runner does that otherwise,
    with the line saying so in its log.
    """
    cfg = Config.fromfile(args.config, import_custom_modules=False)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='<cfg-options>')
    if cfg.get('custom_imports'):
        with _info_to_stderr():
            prepare_openmmlab(cfg)
        import_custom_modules(cfg['custom_imports'], args.config)
    return cfg


@contextmanager
def _info_to_stderr() -> Iterator[None]:
    """Show mmlightning's INFO lines on stderr while no MMLogger exists to show them."""
    from .logging import MMLogger

    if MMLogger._instance_dict:
        yield
        return
    package_logger = logging.getLogger('mmlightning')
    handler, level = logging.StreamHandler(sys.stderr), package_logger.level
    handler.setFormatter(logging.Formatter('%(name)s: %(message)s'))
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(level)


def _prepare_run(args: argparse.Namespace) -> Config:
    """The config with the command line's work_dir, launcher and devices applied."""
    cfg = _load(args)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.launcher:
        cfg.launcher = args.launcher
    if args.devices is not None:
        cfg.trainer = {**dict(cfg.get('trainer') or {}), 'devices': args.devices}
    return cfg


def train(args: argparse.Namespace) -> int:
    """``mmlightning train``: MMEngine's ``tools/train.py``."""
    from .runner import Runner

    cfg = _prepare_run(args)
    if args.amp:
        if cfg.get('optim_wrapper', {}).get('type') == 'AmpOptimWrapper':
            print('mmlightning: AMP is already enabled in the config', file=sys.stderr)
        cfg.optim_wrapper = {**dict(cfg.optim_wrapper), 'type': 'AmpOptimWrapper'}
    if args.resume:
        cfg.resume = args.resume
    if args.auto_scale_lr:
        _enable_auto_scale_lr(cfg, args.config)
    Runner.from_cfg(cfg).train()
    return 0


def _enable_auto_scale_lr(cfg: Config, path: str) -> None:
    """``--auto-scale-lr``: MMEngine's tools turn on the config's ``auto_scale_lr``."""
    base_batch_size = (cfg.get('auto_scale_lr') or {}).get('base_batch_size')
    if base_batch_size is None:
        raise KeyError(f'--auto-scale-lr needs auto_scale_lr.base_batch_size in {path} (the '
                       'total batch size its lr was tuned for): add auto_scale_lr=dict('
                       'base_batch_size=N) or pass --cfg-options auto_scale_lr.base_batch_size=N')
    cfg.auto_scale_lr = {**dict(cfg.auto_scale_lr), 'enable': True}


def _evaluate(stage: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from .runner import Runner

        cfg = _prepare_run(args)
        cfg.load_from = args.checkpoint
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
        if args.out:
            if not args.out.endswith(('.pkl', '.pickle')):
                raise ValueError(f'--out must name a .pkl file, got {args.out!r}')
            key = f'{stage}_evaluator'
            metrics = cfg.get(key) or []
            metrics = list(metrics) if isinstance(metrics, list) else [metrics]
            cfg[key] = [*metrics, dict(type='DumpResults', out_file_path=args.out)]
        runner = Runner.from_cfg(cfg)
        metrics = runner.test() if stage == 'test' else runner.val()
        print(dict(metrics))
        return 0

    return run


def convert_ckpt(args: argparse.Namespace) -> int:
    """``mmlightning convert-ckpt``: a Lightning ``.ckpt`` to MMEngine's ``.pth``, or back."""
    from .runner.checkpoint_import import convert_checkpoint

    print(convert_checkpoint(args.source, args.target))
    return 0


def predict(args: argparse.Namespace) -> int:
    """``mmlightning predict``: one summary line per input file, ``--out`` dumps them all."""
    from .apis import inference_model, init_model
    from .apis.files import check_out, read_input, summarize, to_plain

    if args.out:
        check_out(args.out)
    arrays = [read_input(path) for path in args.inputs]
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options or None)
    predictions = inference_model(model, arrays)
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    for path, prediction in zip(args.inputs, predictions):
        print(f'{path}: {summarize(prediction, classes)}')
    if args.out:
        from .fileio import dump

        dump([dict(input=path, prediction=to_plain(prediction))
              for path, prediction in zip(args.inputs, predictions)], args.out)
        print(f'predictions written to {args.out}')
    return 0


def plot_logs(args: argparse.Namespace) -> int:
    """``mmlightning plot-logs``: the newest ``vis_data/scalars.json`` under a folder, as a PNG."""
    from pathlib import Path

    from .visualization.curves import plot_curves

    source = Path(args.work_dir)
    candidates = [source] if source.is_file() else sorted(
        source.rglob('vis_data/scalars.json'), key=lambda path: path.stat().st_mtime)
    if not candidates:
        raise FileNotFoundError(f'no vis_data/scalars.json under {source}: point plot-logs at a '
                                'work_dir of a finished run (LocalVisBackend writes it)')
    scalars = candidates[-1]
    out = args.out or scalars.with_name('scalars.png')
    print(plot_curves(scalars, out))
    return 0


def print_config(args: argparse.Namespace) -> int:
    """``mmlightning print-config``: the merged config, or the provenance of one key."""
    cfg = _load(args)
    if args.explain:
        print(cfg.explain(args.explain))
    elif args.format == 'py':
        print(cfg.pretty_text, end='')
    else:
        from .config.config import _serialize

        print(_serialize(cfg.to_dict(), f'.{args.format}'), end='')
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    'train': train, 'test': _evaluate('test'), 'val': _evaluate('val'), 'predict': predict,
    'print-config': print_config, 'convert-ckpt': convert_ckpt, 'plot-logs': plot_logs}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmlightning`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as error:
        return _report(error, args)


def _report(error: BaseException, args: Any) -> int:
    if args.debug:
        traceback.print_exc()
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    print(f'mmlightning: error: {type(error).__name__}: {message}', file=sys.stderr)
    if not args.debug:
        print('(run with --debug for the traceback)', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
