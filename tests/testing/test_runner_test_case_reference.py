"""``RunnerTestCase`` against MMEngine's: same configs (plus ``trainer``), same counters."""
from __future__ import annotations

import pytest

from mmlightning.testing import RunnerTestCase

mmengine_testing = pytest.importorskip('mmengine.testing')

#: Keys only ours have: quiet Lightning Trainer.
_OURS_ONLY = {'trainer'}


def _configs(case_cls: type) -> tuple[dict, dict, dict]:
    case = case_cls()
    case.setUp()
    try:
        return case.epoch_based_cfg.to_dict(), case.iter_based_cfg.to_dict(), dict(case.dist_cfg)
    finally:
        case.tearDown()


def _without(cfg: dict, keys: set[str]) -> dict:
    return {k: v for k, v in cfg.items() if k not in keys and k != 'work_dir'}


def test_configs_match_mmengine():
    ours_epoch, ours_iter, ours_dist = _configs(RunnerTestCase)
    ref_epoch, ref_iter, ref_dist = _configs(mmengine_testing.RunnerTestCase)
    assert set(ours_epoch) - set(ref_epoch) == _OURS_ONLY
    assert set(ref_epoch) <= set(ours_epoch) and set(ref_iter) <= set(ours_iter)
    assert _without(ours_epoch, _OURS_ONLY) == _without(ref_epoch, set())
    assert _without(ours_iter, _OURS_ONLY) == _without(ref_iter, set())
    assert ours_epoch['trainer'] == dict(enable_progress_bar=False)
    assert set(ours_dist) == set(ref_dist)


class _CountersAfterTraining:
    """Runs the epoch-based and iteration-based configs and records the counters."""

    def test_record(self):
        self.counters = {}
        for name in ('epoch_based_cfg', 'iter_based_cfg'):
            runner = self.build_runner(getattr(self, name))
            runner.train()
            self.counters[name] = dict(iter=runner.iter, max_iters=runner.max_iters,
                                       val=runner.val(), test=runner.test())
            if name == 'epoch_based_cfg':
                self.counters[name].update(epoch=runner.epoch, max_epochs=runner.max_epochs)


def _run(case_cls: type) -> dict:
    recorder = type('Recorder', (_CountersAfterTraining, case_cls), {})('test_record')
    result = recorder.run()
    assert result.wasSuccessful(), result.errors + result.failures
    return recorder.counters


def test_counters_and_metrics_match_mmengine():
    mmengine_case = mmengine_testing.RunnerTestCase
    silent = type('SilentRunnerTestCase', (mmengine_case,), {'setUp': _quiet_mmengine_setup})
    assert _run(RunnerTestCase) == _run(silent)


def _quiet_mmengine_setup(self) -> None:
    mmengine_testing.RunnerTestCase.setUp(self)
    for cfg in (self.epoch_based_cfg, self.iter_based_cfg):
        cfg.default_hooks.logger.interval = 1000
