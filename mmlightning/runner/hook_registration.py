"""MMEngine's hook registration methods of ``Runner`` (``register_hook`` & co.).

The runner keeps its hooks in ``runner._hooks``, sorted by priority (a lower
value first; hooks of equal priority in registration order). The Lightning
callback that dispatches them (:class:`~mmlightning.lightning.HookDispatcher`)
shares that list, so a hook registered after the Trainer was built still runs.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from mmlightning.hooks import Hook, Priority, get_priority
from mmlightning.registry import HOOKS
from mmlightning.registry.key_paths import key_path_of, located

#: MMEngine's default hooks, by name; ``default_hooks`` updates them (``None`` removes one).
DEFAULT_HOOKS = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    logger=dict(type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
)


def _is_hook(obj: Any) -> bool:
    """A hook: ours, or MMEngine's (an OpenMMLab package's), which has the same points."""
    return isinstance(obj, Hook) or (hasattr(obj, 'priority')
                                     and all(hasattr(obj, point) for point in Hook.stages))


class HookRegistrationMixin:
    """``register_hook``, ``register_default_hooks``, ``register_custom_hooks``,
    ``register_hooks``, ``get_hooks_info`` and ``call_hook``, as MMEngine's Runner."""

    _hooks: list

    @property
    def hooks(self) -> list:
        """The registered hooks, in the order they run."""
        return self._hooks

    def register_hook(self, hook: Any, priority: int | str | Priority | None = None,
                      key_path: str = 'custom_hooks') -> None:
        """Build ``hook`` if it is a config and insert it by priority.

        The priority is ``priority`` if given, else the config's ``priority``,
        else the hook's own; it is written to ``hook.priority``.

        Args:
            hook: A hook or its config.
            priority: Overrides the others.
            key_path: Where the config sits (``default_hooks.logger``, ``custom_hooks[1]``),
                named by build errors when the config does not know it itself.

        Raises:
            TypeError: If ``hook`` is neither a hook nor a dict.
        """
        if not (_is_hook(hook) or isinstance(hook, Mapping)):
            raise TypeError(f'hook should be an instance of Hook or dict, but got {hook!r}')
        cfg_priority = None
        if isinstance(hook, Mapping):
            path = key_path_of(hook) or key_path
            hook = copy.deepcopy(dict(hook))
            cfg_priority = hook.pop('priority', None)
            with located(hook, path):
                hook = HOOKS.build(hook)
        if priority is not None:
            hook.priority = priority
        elif cfg_priority is not None:
            hook.priority = cfg_priority
        value = get_priority(hook.priority)
        index = len(self._hooks)
        while index > 0 and get_priority(self._hooks[index - 1].priority) > value:
            index -= 1
        self._hooks.insert(index, hook)

    def register_default_hooks(self, hooks: Mapping[str, Any] | None = None) -> None:
        """Register MMEngine's six default hooks, updated by ``hooks`` (``None`` removes one).

        The defaults are ``runtime_info`` (RuntimeInfoHook), ``timer``
        (IterTimerHook), ``sampler_seed`` (DistSamplerSeedHook), ``logger``
        (LoggerHook), ``param_scheduler`` (ParamSchedulerHook) and
        ``checkpoint`` (CheckpointHook, ``interval=1``).
        """
        defaults: dict[str, Any] = copy.deepcopy(DEFAULT_HOOKS)
        defaults.update(dict(hooks or {}))
        for name, hook in defaults.items():
            if hook is not None:
                self.register_hook(hook, key_path=f'default_hooks.{name}')

    def register_custom_hooks(self, hooks: Sequence[Any]) -> None:
        """Register each of ``hooks`` (hooks or configs)."""
        for index, hook in enumerate(hooks):
            self.register_hook(hook, key_path=f'custom_hooks[{index}]')

    def register_hooks(self, default_hooks: Mapping[str, Any] | None = None,
                       custom_hooks: Sequence[Any] | None = None) -> None:
        """Register the default hooks, then the custom ones."""
        self.register_default_hooks(default_hooks)
        if custom_hooks is not None:
            self.register_custom_hooks(custom_hooks)

    def get_hooks_info(self) -> str:
        """For each stage, the hooks that run there, with their priority (MMEngine's table)."""
        stage_hooks: dict[str, list[str]] = {stage: [] for stage in Hook.stages}
        for hook in self._hooks:
            try:
                priority = Priority(hook.priority).name
            except ValueError:
                priority = hook.priority
            info = f'({priority:<12}) {type(hook).__name__:<35}'
            for stage in hook.get_triggered_stages():
                stage_hooks[stage].append(info)
        blocks = [f'{stage}:\n' + '\n'.join(infos) + '\n -------------------- '
                  for stage, infos in stage_hooks.items() if infos]
        return '\n'.join(blocks)

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        """Call ``fn_name`` (e.g. ``'before_train_epoch'``) of every hook with this runner.

        Raises:
            TypeError: If ``fn_name`` is not a hook point or the arguments do not fit.
        """
        if fn_name not in Hook.stages:
            raise TypeError(f'{fn_name!r} is not a hook point; use one of {Hook.stages}')
        for hook in self._hooks:
            try:
                getattr(hook, fn_name)(self, **kwargs)
            except TypeError as error:
                raise TypeError(f'{error} in {hook}') from error
