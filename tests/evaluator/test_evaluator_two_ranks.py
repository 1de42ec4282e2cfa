"""Two gloo ranks, 11 samples split by DefaultSampler (one padding sample): every rank gets the
metrics of a single-process evaluation over the whole set."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mmlightning.dataset import DefaultSampler
from mmlightning.evaluator import Accuracy, BaseMetric, Evaluator, TorchMetrics

NUM_SAMPLES = 11


class SampleOrder(BaseMetric):
    """Returns the sample indices it was given, in order: shows padding removal and ordering."""

    default_prefix = 'order'

    def process(self, data_batch, data_samples):
        self.results.extend(s['sample_idx'] for s in data_samples)

    def compute_metrics(self, results):
        return {'indices': list(results)}


class FailsOnRankZero(SampleOrder):
    def compute_metrics(self, results):
        raise ArithmeticError(f'cannot score {len(results)} samples')


def make_evaluator(collect_dir: Path) -> Evaluator:
    tm = dict(type='MulticlassAccuracy', num_classes=4)
    return Evaluator([
        Accuracy(topk=(1, 2), thrs=(None, 0.3)),
        TorchMetrics(tm, prefix='tm_gpu_mode', collect_device='gpu'),
        TorchMetrics(dict(tm, average='macro'), pred_key='pred_label', prefix='tm_dir',
                     collect_dir=str(collect_dir)),
        SampleOrder(),
    ])


def _evaluate_on_rank(rank: int, workdir: Path) -> dict:
    samples = pickle.loads((workdir / 'samples.pkl').read_bytes())
    indices = list(DefaultSampler(range(NUM_SAMPLES), shuffle=False))
    evaluator = make_evaluator(workdir / 'collect')
    for start in range(0, len(indices), 2):  # batch size 2
        evaluator.process([samples[i] for i in indices[start:start + 2]])
    return {'indices': indices, 'metrics': evaluator.evaluate(NUM_SAMPLES)}


def _fail_on_rank_zero(rank: int, workdir: Path) -> dict:
    failing = FailsOnRankZero()
    failing.process(None, [{'sample_idx': i} for i in range(rank, NUM_SAMPLES, 2)])
    out = {}
    try:
        failing.evaluate(NUM_SAMPLES)
    except Exception as error:  # the type is what the test checks
        out['error'] = (type(error).__name__, str(error))
    out['results_left'] = len(failing.results)
    return out


def test_metrics_equal_on_both_ranks_and_to_one_process(run_two_ranks, tmp_path, class_samples):
    # evaluated here first, so torchmetrics is imported once, before the ranks fork
    single = make_evaluator(tmp_path / 'single')
    single.process(class_samples)
    expected = single.evaluate(NUM_SAMPLES)
    assert expected['order/indices'] == list(range(NUM_SAMPLES))

    (tmp_path / 'samples.pkl').write_bytes(pickle.dumps(class_samples))
    r0, r1 = run_two_ranks(_evaluate_on_rank)
    assert r0['indices'] == [0, 2, 4, 6, 8, 10] and r1['indices'] == [1, 3, 5, 7, 9, 0]
    assert r0['metrics'] == r1['metrics'] == expected
    # the duplicated sample 0 would change the accuracy if the padding were kept
    padded = make_evaluator(tmp_path / 'padded')
    padded.process(class_samples + class_samples[:1])
    assert padded.evaluate(NUM_SAMPLES + 1)['accuracy/top1_no-thr'] != \
        expected['accuracy/top1_no-thr']


def test_a_failing_metric_raises_on_every_rank(run_two_ranks):
    r0, r1 = run_two_ranks(_fail_on_rank_zero)
    assert r0['error'] == ('ArithmeticError', 'cannot score 11 samples')
    assert r1['error'] == ('RuntimeError', 'FailsOnRankZero.compute_metrics failed on rank 0: '
                                           'ArithmeticError: cannot score 11 samples')
    assert r0['results_left'] == r1['results_left'] == 0


@pytest.fixture(autouse=True)
def _no_dist_test_dir_left(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # collect_results' default parent is ./.dist_test
    yield
    assert not (tmp_path / '.dist_test').exists()
