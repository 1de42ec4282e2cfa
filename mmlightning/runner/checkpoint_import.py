"""Converting MMEngine ``.pth`` checkpoints to the Lightning ``.ckpt`` that mmlightning resumes.

An MMEngine checkpoint (``Runner.save_checkpoint``) holds ``meta`` (``epoch``: epochs
finished, ``iter``: iterations done), ``state_dict``, ``optimizer``
(``optim_wrapper.state_dict()``: a torch optimizer state, or one per name for an
``OptimWrapperDict``), ``param_schedulers`` (a list of states, or a list per name) and
``message_hub`` (pickled ``HistoryBuffer`` objects). :func:`mmengine_to_lightning` lays
these out as a checkpoint of an :class:`~mmlightning.lightning.module.MMLightningModule`,
so ``trainer.fit(ckpt_path=...)`` restores them as from one mmlightning wrote, with the
loop state Lightning itself would save at that position (see
:mod:`mmlightning.lightning.loop_state`). The reverse is
:func:`~mmlightning.runner.checkpoint_convert.lightning_to_mmengine`.

MMEngine saves no RNG states, and no sampler position: an epoch-based checkpoint resumes
at the start of epoch ``meta.epoch`` (as MMEngine does); an iteration-based one needs the
epoch length of the resuming run to land mid-epoch (``Runner(resume=...)`` passes it).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from mmlightning.hooks.checkpoint_hook import STATE_KEY as CHECKPOINT_HOOK_KEY
from mmlightning.lightning.hub_state import hub_from_checkpoint, hub_to_checkpoint, plain_values
from mmlightning.lightning.loop_state import loops_state
from mmlightning.logging import MessageHub
from mmlightning.model.checkpoint.sharded import is_sharded_checkpoint

from .checkpoint import LIGHTNING_MODEL_PREFIX, _load_checkpoint
from .checkpoint_convert import MMLIGHTNING_KEY, lightning_to_mmengine, save_atomic

#: Every Lightning checkpoint has this key; MMEngine's have not.
LIGHTNING_VERSION_KEY = 'pytorch-lightning_version'
#: Where Lightning keeps the state of ``MMDataModule`` (its class name).
DATAMODULE_KEY = 'MMDataModule'
#: Where Lightning keeps the AMP grad scaler (``MixedPrecision``'s class name).
SCALER_KEY = 'MixedPrecision'
#: Runtime information of MMEngine's ``CheckpointHook`` (kept in its message hub).
_CHECKPOINT_HOOK_INFO = ('last_ckpt', 'keep_ckpt_ids', 'best_score', 'best_ckpt')


def is_lightning_checkpoint(checkpoint: Any) -> bool:
    """Whether a loaded checkpoint was written by Lightning (else: MMEngine or weights only)."""
    return isinstance(checkpoint, Mapping) and LIGHTNING_VERSION_KEY in checkpoint


def is_single_optimizer_state(state: Any) -> bool:
    """Whether ``state`` is one torch optimizer's ``state_dict()`` (not several by name)."""
    return isinstance(state, Mapping) and 'param_groups' in state


def iteration_position(iteration: int, epoch_length: int) -> tuple[int, int]:
    """``(epoch, k)``: after ``iteration`` batches of ``epoch_length``, batch ``k`` (1-based)
    of ``epoch`` (0-based) was the last one, as MMEngine's ``IterBasedTrainLoop`` counts."""
    if iteration == 0:
        return 0, 0
    epoch = (iteration - 1) // epoch_length
    return epoch, iteration - epoch * epoch_length


def check_resumable(checkpoint: Any, source: str) -> None:
    """Check that a loaded MMEngine checkpoint holds what a resume needs.

    Raises:
        ValueError: If ``meta`` (with ``epoch`` and ``iter``), ``state_dict`` or
            ``optimizer`` is missing; the message names ``source``, the key and the fix.
    """
    if not isinstance(checkpoint, Mapping) or 'state_dict' not in checkpoint or \
            'meta' not in checkpoint:
        missing = 'state_dict' if isinstance(checkpoint, Mapping) and 'meta' in checkpoint \
            else 'meta'
        raise ValueError(
            f"{source} is not a resumable MMEngine checkpoint: it has no '{missing}' (it holds "
            'weights only). To start a new training from these weights, pass '
            f'load_from={source!r} instead of resume')
    meta = checkpoint['meta']
    missing = [key for key in ('epoch', 'iter') if key not in (meta or {})]
    if missing:
        raise ValueError(f"{source}: meta lacks {missing} (MMEngine's Runner.save_checkpoint "
                         'writes both); resume needs them. Use load_from to load the weights '
                         'only')
    if not checkpoint.get('optimizer'):
        raise ValueError(
            f"{source} has no 'optimizer' state (saved with save_optimizer=False?), so training "
            'cannot continue where it stopped. Use load_from to start a new training from its '
            'weights')


def _optimizer_states(optimizer: Mapping[str, Any], names: Sequence[str] | None,
                      source: str) -> tuple[list[dict], dict | None]:
    """The torch optimizer states in ``names``' order, and the AMP loss scaler's state.

    ``AmpOptimWrapper.state_dict()`` adds ``loss_scaler`` to the optimizer's state; under
    Lightning the precision plugin owns the scaler (one for all optimizers).
    """
    if is_single_optimizer_state(optimizer):
        wrappers = [optimizer]
    else:
        names = list(optimizer) if names is None else list(names)
        if sorted(names) != sorted(optimizer):
            raise ValueError(f'{source} holds the optimizers {list(optimizer)}, the config builds '
                             f'{names}: resume with the optim_wrapper config it was saved with')
        wrappers = [optimizer[name] for name in names]
    states, scaler = [], None
    for wrapper in wrappers:
        state = dict(wrapper)
        loss_scaler = state.pop('loss_scaler', None)
        scaler = scaler if scaler is not None else loss_scaler
        states.append(state)
    return states, scaler


def _message_hub(state: Mapping[str, Any] | None) -> dict[str, Any]:
    """The message hub state in the weights_only-safe form the hook dispatcher loads."""
    if not state:
        return dict(log_scalars={}, runtime_info={}, resumed_keys={})
    hub = MessageHub('mmengine_checkpoint')  # not a named instance: no global one changes
    if all(isinstance(buffer, Mapping) for buffer in state['log_scalars'].values()):
        hub_from_checkpoint(hub, state)  # the safe form (a .pth converted from our .ckpt)
    else:
        hub.load_state_dict(state)  # takes MMEngine's HistoryBuffers
    return hub_to_checkpoint(hub)


def mmengine_to_lightning(checkpoint: Mapping[str, Any], *, epoch_length: int | None = None,
                          train_sampler: Mapping[str, Any] | None = None,
                          optimizer_names: Sequence[str] | None = None,
                          source: str = 'the checkpoint') -> dict[str, Any]:
    """The Lightning checkpoint of an ``MMLightningModule`` for a loaded MMEngine checkpoint.

    Args:
        checkpoint: The loaded ``.pth`` dict (MMEngine's, or one written by
            :func:`~mmlightning.runner.checkpoint_convert.lightning_to_mmengine`).
        epoch_length: For an iteration-based checkpoint, the training batches per
            epoch of the resuming run: the fit resumes after batch ``iter % epoch_length``
            of epoch ``iter // epoch_length``, where MMEngine's ``IterBasedTrainLoop``
            continues. ``None``: at the start of epoch ``meta.epoch`` (epoch-based).
        train_sampler: The train sampler's state at that position, restored by
            ``MMDataModule``; ``None`` starts the sampler's epoch from its beginning.
        optimizer_names: For several optimizers, their order in the ``optim_wrapper``
            config (default: the checkpoint's order).
        source: How error messages name the checkpoint (its path).

    Returns:
        The checkpoint dict; ``torch.save`` it for ``trainer.fit(ckpt_path=...)``.

    Raises:
        ValueError: If ``meta``, ``state_dict`` or ``optimizer`` is missing, or the
            optimizer names differ from ``optimizer_names``.
    """
    check_resumable(checkpoint, source)
    meta = dict(checkpoint['meta'])
    iteration = int(meta['iter'])
    if epoch_length is None:
        epoch, batch, last = int(meta['epoch']), 0, False
    else:
        epoch, batch = iteration_position(iteration, epoch_length)
        last = batch == epoch_length
    optimizer_states, scaler = _optimizer_states(checkpoint['optimizer'], optimizer_names,
                                                 source)
    hub = _message_hub(checkpoint.get('message_hub'))
    import lightning

    converted: dict[str, Any] = {
        'epoch': epoch, 'global_step': iteration, LIGHTNING_VERSION_KEY: lightning.__version__,
        'state_dict': OrderedDict((LIGHTNING_MODEL_PREFIX + key, value)
                                  for key, value in checkpoint['state_dict'].items()),
        'loops': loops_state(epoch, iteration, batch, last),
        'callbacks': {}, 'optimizer_states': optimizer_states, 'lr_schedulers': [],
        'message_hub': hub,
        CHECKPOINT_HOOK_KEY: {key: value for key, value in hub['runtime_info'].items()
                              if key.startswith(_CHECKPOINT_HOOK_INFO)},
        MMLIGHTNING_KEY: dict(iter=iteration,
                              param_schedulers=checkpoint.get('param_schedulers')),
        'meta': plain_values(meta),
    }
    if scaler is not None:
        converted[SCALER_KEY] = scaler
    if train_sampler is not None:
        converted[DATAMODULE_KEY] = dict(train_sampler=dict(train_sampler))
    if 'ema_state_dict' in checkpoint:
        converted['ema_state_dict'] = checkpoint['ema_state_dict']
    return converted


def convert_mmengine_to_lightning(src: str, dst: str, *, weights_only: bool = True,
                                  **kwargs: Any) -> str:
    """Write the MMEngine checkpoint ``src`` as a Lightning ``.ckpt`` at ``dst`` (atomically).

    ``Runner(resume=src)`` converts by itself, with the data position of the run;
    a file converted here resumes an iteration-based run at the start of an epoch.

    Args:
        src: The ``.pth`` (path or URL).
        dst: The local ``.ckpt`` to write.
        weights_only: Load ``src`` safely; ``False`` for trusted files holding other types.
        **kwargs: See :func:`mmengine_to_lightning`.

    Returns:
        ``dst``.

    Raises:
        ValueError: See :func:`mmengine_to_lightning`.
    """
    checkpoint = _load_checkpoint(src, 'cpu', 'silent', weights_only=weights_only)
    save_atomic(mmengine_to_lightning(checkpoint, source=src, **kwargs), dst)
    return dst


def convert_checkpoint(src: str, dst: str) -> str:
    """Convert ``src`` to the other format: a Lightning ``.ckpt`` to MMEngine's ``.pth``
    layout, anything else (an MMEngine ``.pth``) to a Lightning ``.ckpt``.

    The direction is read from the content (Lightning's version key), not the names. A
    sharded checkpoint folder of Lightning's FSDP strategy is consolidated first: into one
    Lightning ``.ckpt`` when ``dst`` ends with ``.ckpt``, else into MMEngine's ``.pth``.

    Returns:
        A line saying what was written where.

    Raises:
        ValueError: If ``src`` cannot be converted (see :func:`mmengine_to_lightning`).
    """
    checkpoint = _load_checkpoint(src, 'cpu', 'silent')
    if is_sharded_checkpoint(src) and dst.endswith('.ckpt'):
        save_atomic(checkpoint, dst)
        return f'{dst} (sharded FSDP checkpoint -> one Lightning .ckpt, from {src})'
    if is_lightning_checkpoint(checkpoint):
        save_atomic(lightning_to_mmengine(checkpoint), dst)
        return f'{dst} (Lightning .ckpt -> MMEngine .pth, from {src})'
    save_atomic(mmengine_to_lightning(checkpoint, source=src), dst)
    return f'{dst} (MMEngine .pth -> Lightning .ckpt, from {src})'
