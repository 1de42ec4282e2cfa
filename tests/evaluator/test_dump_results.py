"""DumpResults: suffix checks, CPU predictions, atomic pickle writing."""
from __future__ import annotations

import os
import pickle

import pytest
import torch

from mmlightning.evaluator import DumpResults, Evaluator
from mmlightning.evaluator import dump_results as dump_module
from mmlightning.registry import METRICS
from mmlightning.structures import BaseDataElement


def test_dumps_predictions_to_a_pickle(tmp_path):
    out = tmp_path / 'new_dir' / 'preds.pkl'
    metric = METRICS.build(dict(type='DumpResults', out_file_path=str(out)))
    assert isinstance(metric, DumpResults)
    evaluator = Evaluator(metric)
    evaluator.process([BaseDataElement(pred=torch.tensor([1.0])), {'pred': 2}])
    evaluator.process([{'pred': 3}])
    assert evaluator.evaluate(2) == {}
    loaded = pickle.loads(out.read_bytes())
    assert loaded == [{'pred': torch.tensor([1.0])}, {'pred': 2}]
    assert os.listdir(out.parent) == ['preds.pkl']  # no temporary file left


def test_pickle_suffix_is_accepted(tmp_path):
    assert DumpResults(str(tmp_path / 'x.pickle')).out_file_path.endswith('x.pickle')


@pytest.mark.parametrize('path, message', [
    ('preds.json', r"must be a pkl file: out_file_path='preds.json' should end with .pkl"),
    ('s3://bucket/preds.pkl', "local files only, got 's3://bucket/preds.pkl'"),
])
def test_bad_paths_are_rejected(path, message):
    with pytest.raises(ValueError, match=message):
        DumpResults(path)


def test_failed_dump_keeps_the_previous_file(tmp_path):
    out = tmp_path / 'preds.pkl'
    out.write_bytes(pickle.dumps(['old']))
    metric = DumpResults(str(out))
    metric.results = [lambda: None]  # cannot be pickled
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        metric.evaluate(1)
    assert pickle.loads(out.read_bytes()) == ['old']
    assert os.listdir(tmp_path) == ['preds.pkl']


def test_atomic_dump_replaces_with_usual_permissions(tmp_path):
    out = tmp_path / 'p.pkl'
    out.write_bytes(b'old')
    old_umask = os.umask(0o022)
    try:
        dump_module.atomic_pickle_dump({'a': 1}, str(out))
    finally:
        os.umask(old_umask)
    assert pickle.loads(out.read_bytes()) == {'a': 1}
    assert out.stat().st_mode & 0o777 == 0o644
