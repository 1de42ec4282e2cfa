"""The adapter to Lightning: MMLightningModule, MMDataModule, Trainer translation."""
from .datamodule import MMDataModule
from .hook_dispatcher import HookDispatcher
from .module import MMLightningModule
from .runner_view import RunnerView
from .trainer_args import trainer_kwargs

__all__ = ['HookDispatcher', 'MMDataModule', 'MMLightningModule', 'RunnerView',
           'trainer_kwargs']
