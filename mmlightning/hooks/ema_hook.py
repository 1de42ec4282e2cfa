"""``EMAHook``: an exponential moving average of the model, used for validation and testing.

Under Lightning two things differ from MMEngine's runner, and the hook absorbs them:

* The checkpoint's ``state_dict`` is the LightningModule's, so its keys carry
  the prefix ``model.`` (``model.backbone.conv.weight``); the EMA keys are
  ``module.backbone.conv.weight``. A Lightning checkpoint (one with
  ``'pytorch-lightning_version'``) is read with the prefix, any other
  (MMEngine's ``.pth`` layout) without.
* Lightning loads the model's weights *before* callbacks see the checkpoint
  (MMEngine calls ``after_load_checkpoint`` first). On resume the hook
  therefore copies the raw weights (saved under ``ema_state_dict``) back into
  the model itself after swapping them back in the dictionary.
"""
from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from mmlightning.registry import HOOKS, MODELS
from mmlightning.utils.errors import ReadableKeyError

from .errors import HookArgumentError
from .hook import DATA_BATCH, Hook

logger = logging.getLogger('mmlightning')

_EMA_PREFIX = 'module.'


@HOOKS.register_module()
class EMAHook(Hook):
    """Keeps an averaged copy of the model, updated after each training iteration.

    The averaged weights replace the model's for each validation and test
    epoch and are swapped back afterwards. Checkpoints store them as the
    model's ``state_dict`` (ready for deployment) and the raw weights under
    ``ema_state_dict``; resuming swaps them back.

    Args:
        ema_type: An averaged model type of :mod:`mmlightning.model` in the
            ``MODELS`` registry (``'ExponentialMovingAverage'``,
            ``'MomentumAnnealingEMA'``, ``'StochasticWeightAverage'``).
        strict_load: Whether loading weights into the EMA model requires the
            keys to match exactly.
        begin_iter: Until this iteration the EMA model copies the model.
        begin_epoch: Until this epoch the EMA model copies the model
            (exclusive with ``begin_iter``).
        **kwargs: Arguments of the averaged model (``momentum``, ``interval``,
            ``update_buffers``, ``device``).

    Raises:
        HookArgumentError: (a ``ValueError`` and an ``AssertionError``) If both
            ``begin_iter`` and ``begin_epoch`` are set, or either is negative.
    """

    priority = 'NORMAL'

    def __init__(self, ema_type: str = 'ExponentialMovingAverage', strict_load: bool = False,
                 begin_iter: int = 0, begin_epoch: int = 0, **kwargs: Any) -> None:
        if begin_iter != 0 and begin_epoch != 0:
            raise HookArgumentError(
                f'EMAHook: `begin_iter` and `begin_epoch` should not be both set (got '
                f'begin_iter={begin_iter}, begin_epoch={begin_epoch}); set only one of them')
        for name, value in (('begin_iter', begin_iter), ('begin_epoch', begin_epoch)):
            if value < 0:
                raise HookArgumentError(f'EMAHook: `{name}` must larger than or equal to 0, '
                                        f'but got {name}: {value}')
        self.strict_load = strict_load
        self.ema_cfg = dict(type=ema_type, **kwargs)
        self.begin_iter = begin_iter
        self.begin_epoch = begin_epoch
        self.enabled_by_epoch = begin_epoch > 0

    def before_run(self, runner: Any) -> None:
        """Build the averaged copy of ``runner.model``.

        A later run with the same model (``runner.test()`` after
        ``runner.train()``) keeps the average; MMEngine rebuilds it from the
        raw weights there, so that test would not use the EMA.
        """
        from mmlightning.model import is_model_wrapper

        model = runner.model
        model = model.module if is_model_wrapper(model) else model
        if getattr(self, 'src_model', None) is model:
            return
        self.src_model: nn.Module = model
        self.ema_model: nn.Module = MODELS.build(self.ema_cfg,
                                                 default_args=dict(model=self.src_model))

    def before_train(self, runner: Any) -> None:
        """Check ``begin_epoch``/``begin_iter`` against the length of training.

        Raises:
            HookArgumentError: If the EMA would begin after training ends.
        """
        self._follow_source_device()
        if self.enabled_by_epoch:
            name, begin, limit = 'begin_epoch', self.begin_epoch, runner.max_epochs
        else:
            name, begin, limit = 'begin_iter', self.begin_iter, runner.max_iters
        if limit is not None and begin > limit:
            runner_name = 'max_epochs' if self.enabled_by_epoch else 'max_iters'
            raise HookArgumentError(
                f'EMAHook: self.{name} should be smaller than or equal to '
                f'runner.{runner_name}: {limit}, but got {name}: {begin}; lower it so the '
                'average is ever used')

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Fold the model into the average (or copy it, before the EMA begins)."""
        if self._ema_started(runner):
            self.ema_model.update_parameters(self.src_model)
            return
        src_state = self.src_model.state_dict()
        for key, value in self.ema_model.module.state_dict().items():
            value.data.copy_(src_state[key].data)

    def before_val_epoch(self, runner: Any) -> None:
        """Put the averaged weights into the model for validation."""
        self._follow_source_device()
        self._swap_ema_parameters()

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Give the model its raw weights back."""
        self._swap_ema_parameters()

    def before_test_epoch(self, runner: Any) -> None:
        """Put the averaged weights into the model for testing."""
        self._follow_source_device()
        self._swap_ema_parameters()

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Give the model its raw weights back."""
        self._swap_ema_parameters()

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Store ``ema_state_dict`` and swap it with the model's entries of ``state_dict``.

        The dictionaries' values are swapped, not the tensors' contents: the
        model's own parameters are untouched.
        """
        checkpoint['ema_state_dict'] = self.ema_model.state_dict()
        self._swap_ema_state_dict(checkpoint)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Restore the average: on resume from ``ema_state_dict``, else from ``state_dict``."""
        prefix = _model_prefix(checkpoint)
        resume = _is_resume(runner)
        if resume and 'ema_state_dict' in checkpoint:
            self._swap_ema_state_dict(checkpoint)
            self.ema_model.load_state_dict(checkpoint['ema_state_dict'], strict=self.strict_load)
            self._load_raw_weights(checkpoint['state_dict'], prefix)
            return
        if resume:
            logger.warning('There is no `ema_state_dict` in the checkpoint; EMAHook starts the '
                           'average from a copy of `state_dict`')
        state = {key[len(prefix):]: value for key, value in checkpoint['state_dict'].items()
                 if key.startswith(prefix)}
        result = self.ema_model.module.load_state_dict(copy.deepcopy(state),
                                                       strict=self.strict_load)
        if result.missing_keys or result.unexpected_keys:
            logger.warning('EMAHook: loading the EMA model: missing keys %s, unexpected keys %s',
                           result.missing_keys, result.unexpected_keys)

    # ------------------------------------------------------------- helpers
    def _swap_ema_parameters(self) -> None:
        """Exchange the values of the model's and the EMA model's parameters (and buffers)."""
        ema, src = self.ema_model.module, self.src_model
        if self.ema_model.update_buffers:
            pairs = zip(itertools.chain(ema.parameters(), ema.buffers()),
                        itertools.chain(src.parameters(), src.buffers()))
        else:
            pairs = zip(ema.parameters(), src.parameters())
        for p_avg, p_src in pairs:
            tmp = p_avg.data.clone()
            p_avg.data.copy_(p_src.data)
            p_src.data.copy_(tmp)

    def _swap_ema_state_dict(self, checkpoint: dict) -> None:
        """Exchange the EMA entries of ``ema_state_dict`` with the model's in ``state_dict``."""
        model_state, ema_state = checkpoint['state_dict'], checkpoint['ema_state_dict']
        prefix = _model_prefix(checkpoint)
        for key in ema_state:
            if not key.startswith(_EMA_PREFIX):
                continue
            model_key = prefix + key[len(_EMA_PREFIX):]
            if model_key not in model_state:
                raise ReadableKeyError(f"EMAHook: ema_state_dict has '{key}' but the "
                                       f"checkpoint's state_dict has no '{model_key}'; the "
                                       'checkpoint was saved from a different model')
            ema_state[key], model_state[model_key] = model_state[model_key], ema_state[key]

    def _load_raw_weights(self, model_state: Mapping[str, Tensor], prefix: str) -> None:
        """Copy the raw weights of ``model_state`` into the model (Lightning loaded the EMA's)."""
        names = {key[len(_EMA_PREFIX):] for key in self.ema_model.state_dict()
                 if key.startswith(_EMA_PREFIX)}
        for name, value in self.src_model.state_dict().items():
            if name in names:
                value.copy_(model_state[prefix + name])

    def _follow_source_device(self) -> None:
        """Move the EMA model to the model's device unless ``device`` was configured.

        Lightning moves the model to its device after ``before_run`` built the copy.
        """
        if 'device' in self.ema_cfg or not hasattr(self, 'ema_model'):
            return
        source = next(itertools.chain(self.src_model.parameters(), self.src_model.buffers()),
                      None)
        averaged = next(itertools.chain(self.ema_model.module.parameters(),
                                        self.ema_model.module.buffers()), None)
        if source is None or averaged is None or source.device == averaged.device:
            return
        self.ema_model.to(source.device)
        module = self.ema_model.module
        # the averaged model keeps references to the tensors it averages: renew them
        self.ema_model.avg_parameters = (module.state_dict() if self.ema_model.update_buffers
                                         else dict(module.named_parameters()))

    def _ema_started(self, runner: Any) -> bool:
        """Whether the current iteration (or epoch) has reached ``begin_iter`` (``begin_epoch``)."""
        if self.enabled_by_epoch:
            return runner.epoch + 1 >= self.begin_epoch
        return runner.iter + 1 >= self.begin_iter


def _model_prefix(checkpoint: Mapping[str, Any]) -> str:
    """``'model.'`` for a Lightning checkpoint of an MMLightningModule, else ``''``."""
    return 'model.' if 'pytorch-lightning_version' in checkpoint else ''


def _is_resume(runner: Any) -> bool:
    """MMEngine's ``runner._resume``.

    Lightning restores a checkpoint through ``ckpt_path``: ``fit`` resumes the
    training state, ``validate``/``test`` only load weights.
    """
    resume = getattr(runner, '_resume', None)
    if resume is not None:
        return bool(resume)
    trainer = getattr(runner, 'trainer', None)
    state = getattr(trainer, 'state', None)
    return getattr(state, 'fn', None) == 'fit'
