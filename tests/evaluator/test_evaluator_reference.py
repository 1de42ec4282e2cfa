"""BaseMetric / Evaluator / DumpResults against mmengine.evaluator, one process and two ranks."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from mmlightning import evaluator as ours
from mmlightning.structures import BaseDataElement

mmengine_evaluator = pytest.importorskip('mmengine.evaluator')
mmengine_structures = pytest.importorskip('mmengine.structures')


def _seen_metric(base: type, default_prefix: str | None) -> type:
    """The same metric on either framework: records batches, returns order and a sum."""

    class Seen(base):
        def process(self, data_batch, data_samples):
            self.batches = getattr(self, 'batches', []) + [data_batch]
            self.results.extend((s['idx'], s.get('value', 0)) for s in data_samples)

        def compute_metrics(self, results):
            return {'order': [i for i, _ in results], 'total': sum(v for _, v in results)}

    Seen.default_prefix = default_prefix
    return Seen


OURS_SEEN = _seen_metric(ours.BaseMetric, 'seen')
THEIRS_SEEN = _seen_metric(mmengine_evaluator.BaseMetric, 'seen')
OURS_PLAIN = _seen_metric(ours.BaseMetric, None)
THEIRS_PLAIN = _seen_metric(mmengine_evaluator.BaseMetric, None)


def _samples(n: int) -> list[dict]:
    return [{'idx': i, 'value': i * i} for i in range(n)]


@pytest.mark.parametrize('prefix', [None, 'val'])
@pytest.mark.parametrize('size', [0, 3, 5, 9])
def test_base_metric_prefix_and_truncation(prefix, size):
    results = []
    for seen, plain in ((OURS_SEEN, OURS_PLAIN), (THEIRS_SEEN, THEIRS_PLAIN)):
        row = []
        for cls in (seen, plain):
            metric = cls(prefix=prefix)
            metric.process(None, _samples(5))
            row.append((metric.evaluate(size), metric.results))
        results.append(row)
    assert results[0] == results[1]


def test_evaluator_merging_conversion_and_duplicates():
    ours_eval = ours.Evaluator([OURS_SEEN(), OURS_PLAIN(prefix='b')])
    theirs_eval = mmengine_evaluator.Evaluator([THEIRS_SEEN(), THEIRS_PLAIN(prefix='b')])
    ours_eval.process([BaseDataElement(idx=0, value=2), {'idx': 1}], data_batch='x')
    theirs_eval.process([mmengine_structures.BaseDataElement(idx=0, value=2), {'idx': 1}],
                        data_batch='x')
    assert ours_eval.evaluate(2) == theirs_eval.evaluate(2)

    for evaluator, cls in ((ours, OURS_SEEN), (mmengine_evaluator, THEIRS_SEEN)):
        duplicated = evaluator.Evaluator([cls(), cls()])
        duplicated.process(_samples(2))
        with pytest.raises(ValueError, match='multiple evaluation results with the same metric '
                                             'name'):
            duplicated.evaluate(2)


@pytest.mark.parametrize('chunk_size', [1, 2, 4])
def test_offline_evaluate(chunk_size):
    data = [{'inputs': torch.tensor([i])} for i in range(5)]
    outputs = []
    for evaluator, cls in ((ours, OURS_SEEN), (mmengine_evaluator, THEIRS_SEEN)):
        metric = cls()
        result = evaluator.Evaluator(metric).offline_evaluate(_samples(5), data, chunk_size)
        outputs.append((result, [{k: [t.tolist() for t in v] for k, v in b.items()}
                                 for b in metric.batches]))
    assert outputs[0] == outputs[1]


def test_get_metric_value():
    metrics = {'coco/AP': 0.5, 'coco/AR': 0.7, 'voc/AR': 0.6}
    for indicator in ('coco/AP', 'AP', 'voc/AR'):
        assert ours.get_metric_value(indicator, metrics) == \
            mmengine_evaluator.get_metric_value(indicator, metrics)
    for bad in ('AR', 'x/AP', 'mAP'):
        for module in (ours, mmengine_evaluator):
            with pytest.raises(ValueError):
                module.get_metric_value(bad, metrics)


def test_dump_results_writes_the_same_pickle(tmp_path):
    loaded = []
    for name, module in (('ours', ours), ('theirs', mmengine_evaluator)):
        path = tmp_path / f'{name}.pkl'
        metric = module.DumpResults(str(path))
        metric.process(None, [{'pred': torch.tensor([1.0, 2.0]), 'idx': 3}])
        assert metric.evaluate(1) == {}
        loaded.append(pickle.loads(path.read_bytes()))
    assert str(loaded[0]) == str(loaded[1])
    for module in (ours, mmengine_evaluator):
        with pytest.raises(ValueError, match='must be a pkl file'):
            module.DumpResults(str(tmp_path / 'x.json'))


def _both_on_rank(rank: int, workdir: Path) -> dict:
    # DefaultSampler(round_up=True) over 7 samples: rank 1's last sample is the padding 0
    indices = list(range(rank, 7, 2)) + ([0] if rank == 1 else [])
    samples = [{'idx': i, 'value': i + 1} for i in indices]
    out = {}
    for device in ('cpu', 'gpu'):
        row = []
        for name, cls in (('ours', OURS_SEEN), ('theirs', THEIRS_SEEN)):
            kwargs = {'collect_dir': str(workdir / name)} if device == 'cpu' else {}
            metric = cls(collect_device=device, **kwargs)
            metric.process(None, samples)
            row.append(metric.evaluate(7))
        out[device] = row
    return out


def test_two_ranks_collect_and_broadcast_like_mmengine(run_two_ranks):
    for rank_result in run_two_ranks(_both_on_rank):
        for ours_metrics, theirs_metrics in rank_result.values():
            assert ours_metrics == theirs_metrics == {'seen/order': list(range(7)),
                                                      'seen/total': 28}


def test_mmengines_public_names_are_all_here():
    assert set(mmengine_evaluator.__all__) <= set(ours.__all__)
