"""``CheckpointHook``: MMEngine's periodic, last, best and published checkpoints.

The files are Lightning checkpoints (``trainer.fit(ckpt_path=...)`` and
``Runner(resume=True)`` continue from them), written through
``runner.save_checkpoint`` so a crash mid-write never leaves a partial file.
Because their format is not MMEngine's, the default names end in ``.ckpt``
(``epoch_3.ckpt``, ``iter_500.ckpt``, ``best_acc_epoch_3.ckpt``) so that
MMEngine tools do not mistake them for ``.pth`` files; ``filename_tmpl``
chooses other names. Published models are MMEngine-format ``.pth`` files.

What MMEngine keeps in the message hub (best scores, best and last paths,
the ids of the kept checkpoints) goes there too (when the runner has one),
and the hook stores it in the checkpoint under :data:`STATE_KEY`, restoring
it on resume.
"""
from __future__ import annotations

import logging
import os.path as osp
from collections import deque
from collections.abc import Callable, Sequence
from math import inf
from pathlib import Path
from typing import Any

from mmlightning import fileio
from mmlightning.dist import is_main_process
from mmlightning.registry import HOOKS
from mmlightning.utils.errors import ReadableKeyError
from mmlightning.utils.suggestions import did_you_mean

from .checkpoint_files import publish_checkpoint, remove_checkpoint
from .errors import HookArgumentError, HookArgumentTypeError
from .hook import DATA_BATCH, Hook
from .metric_rules import DEFAULT_GREATER_KEYS, DEFAULT_LESS_KEYS, RULE_MAP, infer_rule

#: Checkpoint key of the hook's resumable state (MMEngine's message-hub entries).
STATE_KEY = 'checkpoint_hook'


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save checkpoints periodically, at the end of training, and the best ones.

    Args:
        interval: Save every ``interval`` epochs (``by_epoch``) or iterations;
            -1 never does.
        by_epoch: Count ``interval`` in epochs, else in iterations.
        save_optimizer: Store the optimizer state (needed to resume); without
            it the checkpoint holds the weights only.
        save_param_scheduler: Store the parameter schedulers' states.
        out_dir: Root folder of the checkpoints, a local path or any fsspec URL
            (``s3://bucket/ckpts``); ``runner.work_dir`` when None, else
            ``out_dir/<basename of work_dir>``. ``last_checkpoint`` stays in ``work_dir``.
        max_keep_ckpts: Keep only the newest this many periodic checkpoints
            (-1 keeps all).
        save_last: Also save after the last epoch/iteration, off the interval.
        save_best: Metric key(s) whose best value gets its own checkpoint
            (``best_<key>_epoch_<n>.ckpt``); ``'auto'`` takes the first metric
            the evaluator returns.
        rule: ``'greater'`` or ``'less'`` (one for all keys, or one per key);
            None infers it from the key's name (``greater_keys``/``less_keys``).
        greater_keys: Names (or parts of names) of metrics where greater is
            better; default :attr:`_default_greater_keys`.
        less_keys: Likewise where less is better; default ``['loss']``.
        file_client_args: Deprecated (MMEngine's too); only a local backend
            (``dict(backend='disk')``) is accepted.
        filename_tmpl: Name of the periodic checkpoints, with ``{}`` for the
            epoch or iteration; default ``'epoch_{}.ckpt'``/``'iter_{}.ckpt'``.
        backend_args: Only a local backend (``dict(backend='local')``) is
            accepted: Lightning's CheckpointIO writes the files, through fsspec
            for a URL ``out_dir``.
        published_keys: Checkpoint keys (e.g. ``['meta', 'state_dict']``) of a
            weights-only ``<name>-<sha256[:8]>.pth`` published from the last
            and best checkpoints after training.
        save_begin: The epoch/iteration from which ``interval`` counts.

    Raises:
        TypeError: If an argument has the wrong type, or for unknown arguments.
        ValueError: If an argument has a bad value.
        KeyError: If ``rule`` is neither ``'greater'`` nor ``'less'``.
    """

    out_dir: str
    priority = 'VERY_LOW'
    rule_map = RULE_MAP
    init_value_map = {'greater': -inf, 'less': inf}
    _default_greater_keys = DEFAULT_GREATER_KEYS
    _default_less_keys = DEFAULT_LESS_KEYS

    def __init__(self, interval: int = -1, by_epoch: bool = True, save_optimizer: bool = True,
                 save_param_scheduler: bool = True, out_dir: str | Path | None = None,
                 max_keep_ckpts: int = -1, save_last: bool = True,
                 save_best: str | list[str] | None = None, rule: str | list[str] | None = None,
                 greater_keys: Sequence[str] | None = None,
                 less_keys: Sequence[str] | None = None, file_client_args: dict | None = None,
                 filename_tmpl: str | None = None, backend_args: dict | None = None,
                 published_keys: str | list[str] | None = None, save_begin: int = 0,
                 **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f'CheckpointHook got unknown arguments {sorted(kwargs)}; '
                            'remove them (extra save_checkpoint arguments are not supported)')
        _check_storage_args(file_client_args, backend_args)
        if save_begin < 0:
            raise ValueError(f'save_begin must be >= 0, got {save_begin}')
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.save_param_scheduler = save_param_scheduler
        self._out_dir_arg = out_dir
        self.out_dir = None if out_dir is None else str(out_dir)  # type: ignore[assignment]
        self.file_client_args = file_client_args
        self.backend_args = backend_args
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.save_begin = save_begin
        self.filename_tmpl = filename_tmpl or ('epoch_{}.ckpt' if by_epoch else 'iter_{}.ckpt')
        self.greater_keys = _str_list(greater_keys, 'greater_keys', self._default_greater_keys)
        self.less_keys = _str_list(less_keys, 'less_keys', self._default_less_keys)
        self.save_best = _parse_save_best(save_best)
        if self.save_best is not None:
            self.is_better_than: dict[str, Callable[[Any, Any], bool]] = {}
            self._init_rule(_parse_rules(rule, len(self.save_best)), self.save_best)
            if len(self.key_indicators) == 1:
                self.best_ckpt_path: str | None = None
            else:
                self.best_ckpt_path_dict: dict[str, str | None] = {}
        self.published_keys = _parse_published_keys(published_keys)
        self.last_ckpt: str | None = None
        self.keep_ckpt_ids: deque = deque()
        #: MMEngine's message-hub entries, saved in and restored from checkpoints.
        self.runtime_info: dict[str, Any] = {}
        self._training = False

    # ---------------------------------------------------------- storage
    @property
    def file_client(self) -> fileio.FileClient:
        """MMEngine's (deprecated) ``FileClient`` of ``out_dir``, made on first use."""
        return fileio.FileClient.infer_client(self.file_client_args, self.out_dir)

    @property
    def file_backend(self) -> Any:
        """The storage backend of ``out_dir`` (the ``file_client`` with ``file_client_args``)."""
        if self.file_client_args is not None:
            return self.file_client
        return fileio.get_file_backend(self.out_dir, backend_args=self.backend_args)

    # ------------------------------------------------------------ rules
    def _init_rule(self, rules: list[str | None], key_indicators: list[str]) -> None:
        """Set ``key_indicators`` and their rules, inferring a missing rule from the key.

        A key equal to (else containing) one of ``greater_keys`` is 'greater',
        one of ``less_keys`` 'less'; the matching ignores case.
        """
        if len(rules) == 1:
            rules = rules * len(key_indicators)
        self.rules: list[str | None] = []
        for rule, key in zip(rules, key_indicators):
            if rule is not None and rule not in self.rule_map:
                raise ReadableKeyError(f"rule must be 'greater', 'less' or None, got {rule!r}."
                                       f'{did_you_mean(str(rule), self.rule_map)}')
            if rule is None and key != 'auto':
                rule = self._infer_rule(key)
            if rule is not None:
                self.is_better_than[key] = self.rule_map[rule]
            self.rules.append(rule)
        self.key_indicators = key_indicators

    def _infer_rule(self, key: str) -> str:
        rule = infer_rule(key, self.greater_keys, self.less_keys)
        if rule is not None:
            return rule
        raise ValueError(f"cannot infer the rule for metric '{key}': pass rule='greater' or "
                         "rule='less' (or add it to greater_keys/less_keys)")

    # ------------------------------------------------------------ hooks
    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Restore the best scores, best/last paths and kept ids of the resumed run."""
        self.runtime_info = {}
        for key, value in checkpoint.get(STATE_KEY, {}).items():
            self._update_info(runner, key, value)

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Store the state :meth:`after_load_checkpoint` restores."""
        checkpoint[STATE_KEY] = {key: list(value) if isinstance(value, list) else value
                                 for key, value in self.runtime_info.items()}

    def before_train(self, runner: Any) -> None:
        """Resolve ``out_dir`` and take up the resumed best paths and kept checkpoints."""
        work_dir = str(runner.work_dir)
        out_dir = work_dir if self._out_dir_arg is None else str(self._out_dir_arg)
        if out_dir != work_dir:
            out_dir = fileio.join_path(out_dir, osp.basename(work_dir.rstrip('/' + osp.sep)))
        self.out_dir = out_dir
        self._training = True
        _logger(runner).info(f'Checkpoints will be saved to {self.out_dir}.')
        if self.save_best is not None:
            if len(self.key_indicators) == 1:
                self.best_ckpt_path = self._resumed_info(runner, 'best_ckpt')
            else:
                self.best_ckpt_path_dict = {key: self._resumed_info(runner, f'best_ckpt_{key}')
                                            for key in self.key_indicators}
        if self.max_keep_ckpts > 0:
            keep_ids = list(self.runtime_info.get('keep_ckpt_ids', []))
            while len(keep_ids) > self.max_keep_ckpts:
                remove_checkpoint(self._step_path(keep_ids.pop(0)))
            self.keep_ckpt_ids = deque(keep_ids, self.max_keep_ckpts)

    def _resumed_info(self, runner: Any, key: str) -> Any:
        """``key`` of the resumed checkpoint's state, else of the message hub (MMEngine's)."""
        if key in self.runtime_info:
            return self.runtime_info[key]
        hub = getattr(runner, 'message_hub', None)
        return hub.get_info(key) if hub is not None else None

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Iteration-based: save every ``interval`` iterations and after the last one."""
        if self.by_epoch:
            return
        if self.every_n_train_iters(runner, self.interval, self.save_begin) or \
                (self.save_last and self.is_last_train_iter(runner)):
            _logger(runner).info(f'Saving checkpoint at {runner.iter + 1} iterations')
            self._save_checkpoint(runner)

    def after_train_epoch(self, runner: Any) -> None:
        """Epoch-based: save every ``interval`` epochs and after the last one."""
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval, self.save_begin) or \
                (self.save_last and self.is_last_train_epoch(runner)):
            _logger(runner).info(f'Saving checkpoint at {runner.epoch + 1} epochs')
            self._save_checkpoint(runner)

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Save a best checkpoint when a ``save_best`` metric improved (during training)."""
        if not self.save_best:
            return
        if not metrics:
            _logger(runner).warning('Since `metrics` is an empty dict, the behavior to save '
                                    'the best checkpoint will be skipped in this evaluation.')
            return
        if self._training:
            self._save_best_checkpoint(runner, metrics)

    def after_train(self, runner: Any) -> None:
        """Publish the last and best checkpoints (``published_keys``)."""
        self._training = False
        if self.published_keys is None:
            return
        paths = [self.last_ckpt] if self.save_last else []
        paths.append(getattr(self, 'best_ckpt_path', None))
        paths.extend(getattr(self, 'best_ckpt_path_dict', {}).values())
        for path in paths:
            if path is not None and is_main_process():
                published = publish_checkpoint(path, self.published_keys)
                _logger(runner).info(f'The checkpoint ({path}) is published to {published}.')

    # ----------------------------------------------------------- saving
    def _step_path(self, step: int) -> str:
        return fileio.join_path(self.out_dir, self.filename_tmpl.format(step))

    def _update_info(self, runner: Any, key: str, value: Any) -> None:
        """Record ``key`` for resuming, and in ``runner.message_hub`` as MMEngine does."""
        self.runtime_info[key] = value
        message_hub = getattr(runner, 'message_hub', None)
        if message_hub is not None:
            message_hub.update_info(key, value)

    def _save_checkpoint(self, runner: Any) -> None:
        if self.by_epoch:
            step = runner.epoch + 1
            meta = dict(epoch=step, iter=runner.iter)
        else:
            step = runner.iter + 1
            meta = dict(epoch=runner.epoch, iter=step)
        self._save_checkpoint_with_step(runner, step, meta)

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                remove_checkpoint(self._step_path(self.keep_ckpt_ids.popleft()))
            self.keep_ckpt_ids.append(step)
            self._update_info(runner, 'keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = fileio.join_path(self.out_dir, filename)
        self._update_info(runner, 'last_ckpt', self.last_ckpt)
        runner.save_checkpoint(self.out_dir, filename, save_optimizer=self.save_optimizer,
                               save_param_scheduler=self.save_param_scheduler, meta=meta,
                               by_epoch=self.by_epoch)
        if is_main_process():
            # atomic on a local disk: a crash never leaves a partial last_checkpoint
            fileio.put_text(self.last_ckpt, fileio.join_path(runner.work_dir, 'last_checkpoint'))

    def _save_best_checkpoint(self, runner: Any, metrics: dict[str, Any]) -> None:
        cur_type, cur_time = ('epoch', runner.epoch) if self.by_epoch else ('iter', runner.iter)
        ckpt_filename = self.filename_tmpl.format(cur_time)
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if 'auto' in self.key_indicators:
            self._init_rule(self.rules, [next(iter(metrics))])
        single = len(self.key_indicators) == 1
        updated = False
        for key, rule in zip(self.key_indicators, self.rules):
            score = _metric(metrics, key)
            score_key = 'best_score' if single else f'best_score_{key}'
            ckpt_key = 'best_ckpt' if single else f'best_ckpt_{key}'
            best_score = self.runtime_info.get(score_key, self.init_value_map[rule])
            if score is None or not self.is_better_than[key](score, best_score):
                continue
            updated = True
            self._update_info(runner, score_key, score)
            previous = self.best_ckpt_path if single else self.best_ckpt_path_dict[key]
            if previous and remove_checkpoint(previous):
                _logger(runner).info(f'The previous best checkpoint {previous} is removed')
            name = f'best_{key}_{ckpt_filename}'.replace('/', '_')
            path = fileio.join_path(self.out_dir, name)
            if single:
                self.best_ckpt_path = path
            else:
                self.best_ckpt_path_dict[key] = path
            self._update_info(runner, ckpt_key, path)
            runner.save_checkpoint(self.out_dir, name, save_optimizer=False,
                                   save_param_scheduler=False, meta=meta, by_epoch=False)
            _logger(runner).info(f'The best checkpoint with {score:0.4f} {key} at {cur_time} '
                                 f'{cur_type} is saved to {name}.')
        # re-save the latest checkpoint so that it holds the new best score and path
        if updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, cur_time, meta)


# ------------------------------------------------------------------ helpers
def _logger(runner: Any) -> Any:
    return getattr(runner, 'logger', None) or logging.getLogger('mmlightning')


def _metric(metrics: dict[str, Any], key: str) -> Any:
    if key not in metrics:
        raise ReadableKeyError(f"save_best: the evaluator returned no metric '{key}' (it "
                               f'returned {sorted(metrics)}).{did_you_mean(key, metrics)}')
    return metrics[key]


def _is_str_seq(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _str_list(value: Any, name: str, default: list[str]) -> Sequence[str]:
    """MMEngine's keys: a str becomes a 1-tuple, a list or tuple is kept as given."""
    if value is None:
        return list(default)
    if isinstance(value, str):
        return (value,)
    if not _is_str_seq(value):
        raise HookArgumentTypeError(f'{name} must be a str or a sequence of str, got {value!r}')
    return value if isinstance(value, (list, tuple)) else list(value)


def _parse_save_best(save_best: Any) -> list[str] | None:
    if save_best is None:
        return None
    if isinstance(save_best, str):
        return [save_best]
    if not _is_str_seq(save_best):
        raise HookArgumentTypeError(f'"save_best" should be a str or list of str or None: '
                                    f'save_best must be a metric name, a list of them or None, '
                                    f'got {save_best!r}')
    if 'auto' in save_best and len(save_best) > 1:
        raise HookArgumentError(f'Only support one "auto" in "save_best" list: '
                                f"save_best={list(save_best)}: 'auto' cannot be combined with "
                                "other keys; use save_best='auto' alone")
    if len(set(save_best)) != len(save_best):
        raise HookArgumentError(f'Find duplicate element in "save_best": '
                                f'save_best={list(save_best)} has duplicates; list each key once')
    return list(save_best)


def _parse_rules(rule: Any, num_keys: int) -> list[str | None]:
    if rule is None or isinstance(rule, str):
        return [rule]
    if not _is_str_seq(rule):
        raise HookArgumentTypeError(f'"rule" should be a str or list of str or None: rule must '
                                    f"be 'greater', 'less', None or a list of them, got {rule!r}")
    if len(rule) not in (1, num_keys):
        raise HookArgumentError(f'Number of "rule" must be 1 or the same as number of '
                                f'"save_best", but got {len(rule)}: rule={list(rule)}: give one '
                                f'rule, or one per save_best key ({num_keys})')
    return list(rule)


def _parse_published_keys(keys: Any) -> list[str] | None:
    if keys is None:
        return None
    if isinstance(keys, str):
        return [keys]
    if not _is_str_seq(keys):
        raise TypeError(f'published_keys must be a str, a sequence of str or None, got {keys!r}')
    if len(set(keys)) != len(keys):
        raise ValueError(f'published_keys={list(keys)} has duplicates; list each key once')
    return list(keys)


#: Storage backends CheckpointHook can honour: Lightning's CheckpointIO writes local files.
_LOCAL_BACKENDS = ('disk', 'local')


def _check_storage_args(file_client_args: dict | None, backend_args: dict | None) -> None:
    """Accept MMEngine's storage arguments when they name a local backend.

    Raises:
        ValueError: If both are set (MMEngine's check), or one names another backend.
    """
    if file_client_args is not None and backend_args is not None:
        raise ValueError('"file_client_args" and "backend_args" cannot be set at the same '
                         'time. Pass only backend_args (file_client_args is deprecated).')
    for name, args in (('file_client_args', file_client_args), ('backend_args', backend_args)):
        backend = (args or {}).get('backend', 'local')
        if args is not None and (backend not in _LOCAL_BACKENDS or set(args) - {'backend'}):
            raise ValueError(f'CheckpointHook: {name}={args!r} is not supported: Lightning\'s '
                             'CheckpointIO writes the checkpoints, so only a local backend '
                             f'({_LOCAL_BACKENDS}) can be named; remove it (out_dir may be any '
                             'fsspec URL, its credentials set through fsspec\'s configuration '
                             'or the environment)')
