"""``LightningCLI`` for MM configs: ``fit --model.config CONFIG`` trains what the config describes.

Run as ``python -m mmlightning.lightning.lightning_cli fit --model.config CONFIG`` (or subclass
:class:`MMLightningCLI` in a script). The Trainer's own options (``--trainer.*``), the
``--config`` YAML files of LightningCLI and ``--print_config`` work as for any LightningCLI;
``--data.config`` follows ``--model.config``, and the training length defaults to the
config's ``train_cfg``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lightning.pytorch.cli import LightningCLI

from mmlightning.config import Config

from .datamodule import MMDataModule
from .module import MMLightningModule


def load_config(config: str, cfg_options: Mapping[str, Any] | None = None) -> Config:
    """Read ``config`` (``_base_`` inheritance, ``custom_imports``) and apply ``cfg_options``."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options), source='<cfg_options>')
    return cfg


class MMConfigModule(MMLightningModule):
    """An :class:`MMLightningModule` built from a config file, as :meth:`from_cfg` builds it
    (``default_scope``, mmcv's kernels for OpenMMLab configs).

    Args:
        config: Path of the config (``.py``, ``.yaml`` or ``.json``).
        cfg_options: Keys to override, e.g. ``{'optim_wrapper.optimizer.lr': 0.01}``.
    """

    def __init__(self, config: str, cfg_options: dict[str, Any] | None = None) -> None:
        cfg = load_config(config, cfg_options)
        model, kwargs = MMLightningModule.arguments_from_cfg(cfg)
        super().__init__(model, **kwargs)
        self.follow_openmmlab_runtime(cfg)
        self.save_hyperparameters()
        self.cfg = cfg


class MMConfigDataModule(MMDataModule):
    """An :class:`MMDataModule` with the dataloaders and seed of a config file.

    Args:
        config: Path of the config (``.py``, ``.yaml`` or ``.json``).
        cfg_options: Keys to override, e.g. ``{'train_dataloader.batch_size': 8}``.
    """

    def __init__(self, config: str, cfg_options: dict[str, Any] | None = None) -> None:
        super().__init__(**MMDataModule.arguments_from_cfg(load_config(config, cfg_options)))
        self.save_hyperparameters()


class MMLightningCLI(LightningCLI):
    """``LightningCLI(MMConfigModule, MMConfigDataModule)`` with MMEngine's Trainer defaults.

    ``--data.config`` defaults to ``--model.config`` (and ``--data.cfg_options`` to
    ``--model.cfg_options``), the sampler stays the config's (``use_distributed_sampler=False``),
    there is no sanity validation (MMEngine has none), and without ``--trainer.max_epochs``
    the config's ``train_cfg`` sets the length.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault('trainer_defaults', dict(use_distributed_sampler=False,
                                                   num_sanity_val_steps=0))
        super().__init__(MMConfigModule, MMConfigDataModule, *args, **kwargs)

    def add_arguments_to_parser(self, parser: Any) -> None:
        parser.link_arguments('model.config', 'data.config')
        parser.link_arguments('model.cfg_options', 'data.cfg_options')

    def parse_arguments(self, parser: Any, args: Any) -> None:
        """Parse, then fill what the command line left open from the MM config.

        Without ``--trainer.max_epochs``/``--trainer.max_steps`` the config's ``train_cfg``
        sets the training length; with ``seed_everything`` left at its default (``True``, a
        random seed) the config's ``randomness.seed`` is used.
        """
        super().parse_arguments(parser, args)
        options = self.config.get(self.config.get('subcommand')) or self.config
        cfg = load_config(options['model']['config'], options['model']['cfg_options'])
        trainer = options['trainer']
        if trainer.get('max_epochs') is None and trainer.get('max_steps', -1) == -1:
            from .trainer_args import _length_args

            for key, value in _length_args(cfg.get('train_cfg')).items():
                trainer[key] = value
        seed = (cfg.get('randomness') or {}).get('seed')
        if options.get('seed_everything') is True and seed is not None:
            options['seed_everything'] = seed

if __name__ == '__main__':
    MMLightningCLI()
