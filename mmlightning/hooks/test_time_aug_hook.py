"""Test-time augmentation: ``PrepareTTAHook`` and ``build_runner_with_tta`` (MMEngine's)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmlightning.model.wrappers.utils import is_model_wrapper
from mmlightning.registry import HOOKS, MODELS, RUNNERS

from .hook import Hook


@HOOKS.register_module()
class PrepareTTAHook(Hook):
    """Wrap the model in a test-time-augmentation model before testing.

    In ``before_test`` the model (a wrapper's ``module``) becomes
    ``MODELS.build(dict(**tta_cfg, module=model))``, a
    :class:`~mmlightning.model.BaseTTAModel` that runs the model on each
    augmented view and merges the predictions.

    Args:
        tta_cfg: The config of the TTA model, without ``module``.
    """

    def __init__(self, tta_cfg: dict) -> None:
        self.tta_cfg = tta_cfg

    def before_test(self, runner: Any) -> None:
        """Wrap ``runner.model`` (or the module of a model wrapper) in the TTA model."""
        if is_model_wrapper(runner.model):
            runner.model.module = MODELS.build(dict(**self.tta_cfg, module=runner.model.module))
        else:
            runner.model = MODELS.build(dict(**self.tta_cfg, module=runner.model))


def build_runner_with_tta(cfg: Mapping[str, Any]) -> Any:
    """A runner whose test loop uses test-time augmentation.

    The test dataset's pipeline becomes ``cfg.tta_pipeline`` and a
    :class:`PrepareTTAHook` with ``cfg.tta_model`` is registered. The runner is
    ``RUNNERS.build(cfg)`` with a ``runner_type``, else ``Runner.from_cfg``.

    Raises:
        KeyError: If ``tta_model`` or ``tta_pipeline`` is missing (MMEngine: an
            ``AssertionError`` with the same sentence).
    """
    for key in ('tta_model', 'tta_pipeline'):
        if key not in cfg:
            raise KeyError(f'please make sure {key} is defined: the config has no {key!r} '
                           f'(build_runner_with_tta needs tta_model and tta_pipeline)')
    cfg['test_dataloader']['dataset']['pipeline'] = cfg['tta_pipeline']
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        from mmlightning.runner import Runner  # the runner layer sits above the hooks

        runner = Runner.from_cfg(cfg)
    runner.register_hook(PrepareTTAHook(tta_cfg=cfg['tta_model']))
    return runner
