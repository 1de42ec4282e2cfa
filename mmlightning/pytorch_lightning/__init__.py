"""The Lightning adapter for the ``pytorch_lightning`` namespace.

Lightning ships as two packages whose classes do not mix: ``lightning`` (``lightning.pytorch``,
``lightning.fabric``) and the standalone ``pytorch_lightning`` (with ``lightning_fabric``); a
``pytorch_lightning.Trainer`` refuses a ``lightning.pytorch.LightningModule``.
:mod:`mmlightning.lightning` is written against ``lightning.pytorch``. This package is the same
code for ``pytorch_lightning``: each of its modules is loaded from the source file of the
module of the same name in :mod:`mmlightning.lightning`, with the namespaces renamed. There is
one source, so both stay the same::

    import pytorch_lightning as pl
    from mmlightning.pytorch_lightning import MMDataModule, MMLightningModule

    pl.Trainer(max_epochs=2, use_distributed_sampler=False).fit(
        MMLightningModule.from_cfg(cfg), MMDataModule.from_cfg(cfg))
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_SOURCES = Path(__file__).resolve().parent.parent / 'lightning'
_RENAMES = (('lightning.pytorch', 'pytorch_lightning'), ('lightning.fabric', 'lightning_fabric'),
            ('mmlightning.lightning', __name__))


class _RenamedSourceLoader(importlib.abc.SourceLoader):
    """Loads a module of ``mmlightning.lightning`` with the namespaces renamed (no bytecode
    cache: the cache of the original file must not be reused or overwritten)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_filename(self, fullname: str) -> str:
        return str(self.path)

    def get_data(self, path: str) -> bytes:
        text = Path(path).read_text(encoding='utf-8')
        for old, new in _RENAMES:
            text = text.replace(old, new)
        return text.encode('utf-8')


class _AdapterFinder(importlib.abc.MetaPathFinder):
    """Finds ``mmlightning.pytorch_lightning.<name>`` in ``mmlightning/lightning/<name>.py``."""

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        prefix, _, name = fullname.rpartition('.')
        source = _SOURCES / f'{name}.py'
        if prefix != __name__ or not source.is_file():
            return None
        return importlib.util.spec_from_loader(fullname, _RenamedSourceLoader(source),
                                               origin=str(source))


def _require_pytorch_lightning() -> None:
    if importlib.util.find_spec('pytorch_lightning') is None:
        raise ImportError('mmlightning.pytorch_lightning is the adapter for the standalone '
                          '`pytorch_lightning` package, which is not installed: pip install '
                          'pytorch-lightning, or use mmlightning.lightning with `lightning`')


_require_pytorch_lightning()
if not any(isinstance(finder, _AdapterFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AdapterFinder())

from .datamodule import MMDataModule  # noqa: E402
from .hook_dispatcher import HookDispatcher  # noqa: E402
from .module import MMLightningModule  # noqa: E402
from .runner_view import RunnerView  # noqa: E402
from .trainer_args import trainer_kwargs  # noqa: E402

__all__ = ['HookDispatcher', 'MMDataModule', 'MMLightningModule', 'RunnerView',
           'trainer_kwargs']
