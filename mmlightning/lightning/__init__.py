"""The adapter to Lightning: MMLightningModule, MMDataModule, Trainer translation."""
from .datamodule import MMDataModule
from .module import MMLightningModule
from .trainer_args import trainer_kwargs

__all__ = ['MMDataModule', 'MMLightningModule', 'trainer_kwargs']
