"""``MMDataModule``: MMEngine dataloader configs served to a Lightning ``Trainer``.

Each of ``train_dataloader``, ``val_dataloader`` and ``test_dataloader`` is
built by :func:`~mmlightning.dataset.build_dataloader` the first time
Lightning asks for it. Lightning asks after it has set up the process group,
so the samplers see the right rank and world size. The loader is then reused,
as MMEngine's Runner builds each loader once.

How the pieces map onto MMEngine's Runner:

* ``DistSamplerSeedHook``: Lightning's fit loop calls ``set_epoch(epoch)`` at
  the start of every training epoch on ``loader.sampler`` and on
  ``loader.batch_sampler.sampler``, the same two places MMEngine's hook uses.
  So ``DefaultSampler`` reshuffles every epoch and the datamodule adds nothing.
* Sharding: the samplers pick their rank's share themselves. A ``Trainer``
  with ``use_distributed_sampler=True`` (its default) would shard each share
  again, so :meth:`MMDataModule.setup` refuses it.
* Resuming: :meth:`MMDataModule.state_dict` holds the train sampler's
  position. Lightning saves it in the checkpoint under the datamodule's class
  name (``'MMDataModule'``) and hands it back before the loaders are built.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader

from mmlightning.dataset import build_dataloader
from mmlightning.dataset.dist_utils import get_dist_info
from mmlightning.registry.key_paths import key_path_of, located
from mmlightning.utils.errors import ReadableKeyError, add_note
from mmlightning.utils.suggestions import did_you_mean

__all__ = ['MMDataModule']

_STAGES = ('train', 'val', 'test')
_RANDOMNESS_KEYS = ('seed', 'diff_rank_seed', 'deterministic')


class _MissingDataloader:
    """Takes the place of the ``<stage>_dataloader`` hook when that stage has no config.

    The Trainer counts a datamodule hook as defined only if it overrides
    ``LightningDataModule``'s, and its check follows ``__wrapped__``. Pointing
    ``__wrapped__`` at Lightning's own hook therefore makes the Trainer skip
    the loop, just as for a datamodule that does not define the hook. A direct
    call, or ``trainer.validate``/``trainer.test``, gets an error that names
    the missing key.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage

    @property
    def __wrapped__(self) -> Any:
        return getattr(LightningDataModule, f'{self.stage}_dataloader')

    def __call__(self) -> DataLoader:
        key = f'{self.stage}_dataloader'
        raise RuntimeError(
            f'MMDataModule has no {key} config (it is None): pass {key}=dict(dataset=..., '
            'sampler=..., batch_size=...) to MMDataModule (or set it in the config given to '
            'MMDataModule.from_cfg)')


def _check_loader_cfg(cfg: Any, key: str) -> None:
    if cfg is not None and not isinstance(cfg, (Mapping, DataLoader)):
        raise TypeError(f'{key} must be a dataloader config (a dict with dataset=...), a '
                        f'DataLoader or None, got {type(cfg).__name__}: {cfg!r}')


def _stateful_sampler(loader: DataLoader) -> Any:
    """The loader's sampler with ``state_dict``/``load_state_dict``, or ``None``.

    With a ``batch_sampler`` config, ``loader.sampler`` is PyTorch's
    placeholder and the configured sampler is ``loader.batch_sampler.sampler``.
    """
    for sampler in (loader.sampler, getattr(loader.batch_sampler, 'sampler', None)):
        if callable(getattr(sampler, 'state_dict', None)) and callable(
                getattr(sampler, 'load_state_dict', None)):
            return sampler
    return None


def _cfg_value(cfg: Any, key: str) -> Any:
    return cfg[key] if key in cfg else None


class MMDataModule(LightningDataModule):
    """A ``LightningDataModule`` built from MMEngine dataloader configs.

    A stage whose config is ``None`` has no dataloader hook, as far as the
    Trainer can tell: ``fit`` skips validation without ``val_dataloader``, and
    ``trainer.validate``/``trainer.test`` say which key is missing.

    Seeding follows MMEngine's ``randomness``. ``seed`` seeds the samplers and
    each worker (``num_workers * rank + worker_id + seed``). With
    ``diff_rank_seed`` every rank adds its rank to ``seed``, as
    ``set_random_seed`` does, and the samplers draw one seed shared by all
    ranks. With ``seed=None`` the samplers draw such a shared seed as well,
    and the workers are seeded by PyTorch or by Lightning's
    ``seed_everything(workers=True)``.

    Args:
        train_dataloader: Config of the training loader (``dataset``,
            ``sampler``, ``batch_size``, ``collate_fn``, ...; see
            :func:`~mmlightning.dataset.build_dataloader`), a ``DataLoader``,
            or ``None``. The dataset may be a config or an instance.
        val_dataloader: Config of the validation loader, or ``None``.
        test_dataloader: Config of the test loader, or ``None``.
        seed: ``randomness.seed``.
        diff_rank_seed: ``randomness.diff_rank_seed``.

    Raises:
        TypeError: If a loader config is not a dict, a ``DataLoader`` or
            ``None``, or ``seed`` is not an int.
    """

    def __init__(self, train_dataloader: Mapping[str, Any] | DataLoader | None = None,
                 val_dataloader: Mapping[str, Any] | DataLoader | None = None,
                 test_dataloader: Mapping[str, Any] | DataLoader | None = None,
                 seed: int | None = None, diff_rank_seed: bool = False) -> None:
        super().__init__()
        self._cfgs = dict(train=train_dataloader, val=val_dataloader, test=test_dataloader)
        for stage, cfg in self._cfgs.items():
            _check_loader_cfg(cfg, f'{stage}_dataloader')
            if cfg is None:
                setattr(self, f'{stage}_dataloader', _MissingDataloader(stage))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f'seed must be an int or None, got {type(seed).__name__}: {seed!r}')
        self.seed = seed
        self.diff_rank_seed = bool(diff_rank_seed)
        self._loaders: dict[str, tuple[tuple[int, int], DataLoader]] = {}
        self._pending_sampler_state: dict[str, Any] | None = None

    @classmethod
    def from_cfg(cls, cfg: Any) -> MMDataModule:
        """Build from a ``Config`` or dict with MMEngine's top-level keys.

        Reads ``train_dataloader``, ``val_dataloader``, ``test_dataloader``
        and ``randomness=dict(seed=..., diff_rank_seed=...)``; every other key
        is ignored. ``randomness.deterministic`` belongs to the Trainer.

        Args:
            cfg: The whole config.

        Returns:
            The datamodule; nothing is built yet.

        Raises:
            TypeError: If ``cfg`` or ``randomness`` is not a mapping, or
                ``randomness`` has an unknown key.
        """
        return cls(**cls.arguments_from_cfg(cfg))

    @staticmethod
    def arguments_from_cfg(cfg: Any) -> dict[str, Any]:
        """The constructor's arguments from a config (see :meth:`from_cfg`)."""
        if not (hasattr(cfg, '__getitem__') and hasattr(cfg, '__contains__')):
            raise TypeError(f'MMDataModule.from_cfg needs a Config or a dict, got '
                            f'{type(cfg).__name__}')
        randomness = _cfg_value(cfg, 'randomness')
        if randomness is None:
            randomness = {}
        if not isinstance(randomness, Mapping):
            raise TypeError(f'randomness must be a dict like dict(seed=0), got '
                            f'{type(randomness).__name__}: {randomness!r}')
        for key in randomness:
            if key not in _RANDOMNESS_KEYS:
                raise TypeError(f'randomness has an unknown key {key!r} (known: '
                                f'{list(_RANDOMNESS_KEYS)}).{did_you_mean(key, _RANDOMNESS_KEYS)}')
        return dict(train_dataloader=_cfg_value(cfg, 'train_dataloader'),
                    val_dataloader=_cfg_value(cfg, 'val_dataloader'),
                    test_dataloader=_cfg_value(cfg, 'test_dataloader'),
                    seed=randomness.get('seed'),
                    diff_rank_seed=randomness.get('diff_rank_seed', False))

    # ----------------------------------------------------------- Lightning hooks
    def setup(self, stage: str) -> None:
        """Check the Trainer: its own distributed sampler would shard the data twice.

        The check runs on a single device too, so a setup that works on one
        device keeps working on many.

        Raises:
            ValueError: If the Trainer has ``use_distributed_sampler=True``.
        """
        trainer = self.trainer
        if trainer is not None and trainer._accelerator_connector.use_distributed_sampler:
            raise ValueError(
                'MMDataModule: the Trainer has use_distributed_sampler=True (the default), so '
                'under DDP it would wrap the samplers in a DistributedSampler. Samplers such '
                'as DefaultSampler already shard by rank, and each rank would then see only '
                '1/world_size of its share. Pass Trainer(use_distributed_sampler=False).')

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Report each training batch the loop takes to the train sampler.

        Its saved position then counts the batches trained on, not those the
        ``DataLoader``'s workers fetched ahead (``report_consumed`` of
        ``DefaultSampler``/``InfiniteSampler``); a loader with a ``batch_sampler``
        has no fixed batch size and reports nothing.
        """
        trainer, sampler = self.trainer, self._built_train_sampler()
        batch_size = self._loaders['train'][1].batch_size if sampler is not None else None
        if trainer is not None and trainer.training and batch_size is not None and \
                hasattr(sampler, 'report_consumed'):
            sampler.report_consumed(batch_size)
        return batch

    def transfer_batch_to_device(self, batch: Any, device: Any, dataloader_idx: int) -> Any:
        """Leave the batch where it is: the model's data preprocessor moves it (MMEngine)."""
        return batch

    def train_dataloader(self) -> DataLoader:
        """The training loader, built on the first call and then reused."""
        return self._dataloader('train')

    def val_dataloader(self) -> DataLoader:
        """The validation loader, built on the first call and then reused."""
        return self._dataloader('val')

    def test_dataloader(self) -> DataLoader:
        """The test loader, built on the first call and then reused."""
        return self._dataloader('test')

    def state_dict(self) -> dict[str, Any]:
        """The train sampler's position, or ``{}`` if it cannot save one.

        Under a ``Trainer`` the position counts the batches the training loop
        consumed (see :meth:`on_before_batch_transfer`), not those the
        ``DataLoader``'s workers prefetched, so a resume continues with the next
        batch the loop would have trained on. With a ``batch_sampler``, or
        without a ``Trainer``, it counts the indices handed to the ``DataLoader``.

        Returns:
            ``{'train_sampler': sampler.state_dict()}`` (see
            :meth:`DefaultSampler.state_dict`). It is also returned for a
            position restored before the loader was built.
        """
        sampler = self._built_train_sampler()
        if sampler is not None:
            return dict(train_sampler=sampler.state_dict())
        if self._pending_sampler_state is not None:
            return dict(train_sampler=dict(self._pending_sampler_state))
        return {}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore the train sampler's position.

        Lightning calls this before it asks for the loader. The position is
        then kept and handed to the sampler once the loader is built.

        Raises:
            KeyError: If the state has a key other than ``train_sampler``.
            TypeError: If the train sampler has no ``load_state_dict``.
        """
        unknown = sorted(set(state_dict) - {'train_sampler'})
        if unknown:
            raise ReadableKeyError(
                f'MMDataModule.load_state_dict: unknown keys {unknown}; expected a dict saved '
                'by MMDataModule.state_dict() (keys: train_sampler)')
        if 'train_sampler' not in state_dict:
            return
        self._pending_sampler_state = dict(state_dict['train_sampler'])
        if 'train' in self._loaders:
            self._restore_sampler(self._loaders['train'][1])

    # -------------------------------------------------------------- datasets
    @property
    def train_dataset(self) -> Any:
        """The training loader's dataset (built if needed), or ``None`` without a config."""
        return self._dataset('train')

    @property
    def val_dataset(self) -> Any:
        """The validation loader's dataset (built if needed), or ``None`` without a config."""
        return self._dataset('val')

    @property
    def test_dataset(self) -> Any:
        """The test loader's dataset (built if needed), or ``None`` without a config."""
        return self._dataset('test')

    @property
    def dataset_meta(self) -> dict | None:
        """``metainfo`` of the first of the train, val and test datasets that has one.

        MMEngine's Runner hands the train dataset's ``metainfo`` to the
        model, the evaluator and the visualizer. Reading this property
        builds loaders, which under DDP with ``seed=None`` is a collective
        call: read it on all ranks or after Lightning has built the loaders.
        """
        for stage in _STAGES:
            metainfo = getattr(self._dataset(stage), 'metainfo', None)
            if metainfo is not None:
                return metainfo
        return None

    # --------------------------------------------------------------- building
    def _dataset(self, stage: str) -> Any:
        if self._cfgs[stage] is None:
            return None
        return self._dataloader(stage).dataset

    def _dataloader(self, stage: str) -> DataLoader:
        """Build the loader of ``stage`` once per (rank, world size).

        A loader built before the process group existed (say, by reading
        ``train_dataset`` in the launching process) is built again inside it.
        """
        dist_info = get_dist_info()
        built = self._loaders.get(stage)
        if built is not None and built[0] == dist_info:
            return built[1]
        seed = self.seed
        if seed is not None and self.diff_rank_seed:
            seed += dist_info[0]
        cfg = self._cfgs[stage]
        try:
            with located(cfg, key_path_of(cfg) or f'{stage}_dataloader'):
                loader = build_dataloader(cfg, seed=seed, diff_rank_seed=self.diff_rank_seed)
        except Exception as error:
            add_note(error, f'while building {stage}_dataloader of MMDataModule')
            raise
        self._loaders[stage] = (dist_info, loader)
        if stage == 'train' and self._pending_sampler_state is not None:
            self._restore_sampler(loader)
        return loader

    def _built_train_sampler(self) -> Any:
        """The built train loader's resumable sampler, or ``None``."""
        built = self._loaders.get('train')
        return None if built is None else _stateful_sampler(built[1])

    def _restore_sampler(self, loader: DataLoader) -> None:
        sampler = _stateful_sampler(loader)
        if sampler is None:
            raise TypeError(
                f'MMDataModule: cannot restore the train sampler position: '
                f'{type(loader.sampler).__name__} has no state_dict/load_state_dict. Use a '
                'resumable sampler (DefaultSampler, InfiniteSampler) in train_dataloader.')
        sampler.load_state_dict(self._pending_sampler_state)
        self._pending_sampler_state = None
