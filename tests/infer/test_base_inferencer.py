"""BaseInferencer with a toy model built from a config in a temporary folder."""
from __future__ import annotations

import textwrap
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from mmlightning.config import Config
from mmlightning.config.utils import MODULE2PACKAGE
from mmlightning.infer import BaseInferencer
from mmlightning.infer.infer import ModelType
from mmlightning.model import BaseModel
from mmlightning.registry import MODELS


@MODELS.register_module(force=True)
class InferToyModel(BaseModel):
    """y = w . x + b; counts its ``test_step`` batches."""

    def __init__(self, in_features: int = 2, pretrained: str | None = None) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, 1)
        self.batch_sizes: list[int] = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        batch = torch.stack(inputs)
        self.batch_sizes.append(len(batch))
        return list(self.linear(batch)[:, 0])


class ToyInferencer(BaseInferencer):
    preprocess_kwargs = {'scale'}
    visualize_kwargs = {'show'}
    postprocess_kwargs = {'as_float'}

    def _init_pipeline(self, cfg):
        return lambda x: dict(inputs=torch.as_tensor(x, dtype=torch.float32))

    def preprocess(self, inputs, batch_size=1, scale=1.0):
        return super().preprocess([np.asarray(x) * scale for x in inputs], batch_size)

    def visualize(self, inputs, preds, show=False):
        return [f'{x} -> {float(p):.3f}' for x, p in zip(inputs, preds)] if show else None

    def postprocess(self, preds, visualization, return_datasample=False, as_float=True):
        predictions = preds if return_datasample else [
            float(p) if as_float else p.tolist() for p in preds]
        return dict(predictions=predictions, visualization=visualization)


CONFIG = 'model = dict(type="InferToyModel", in_features=2, pretrained="none.pth")\n'


def _weights(path, meta=None):
    torch.manual_seed(0)
    model = InferToyModel()
    checkpoint = dict(state_dict=model.state_dict(), meta=meta or {})
    torch.save(checkpoint, path)
    return model


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / 'toy_cfg.py'
    path.write_text(CONFIG)
    return str(path)


def test_config_file_and_weights_predict_in_batches(tmp_path, config_file):
    reference = _weights(tmp_path / 'w.pth')
    inferencer = ToyInferencer(config_file, str(tmp_path / 'w.pth'), device='cpu',
                               show_progress=False)
    assert not inferencer.model.training and 'pretrained' not in inferencer.cfg.model
    inputs = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]]
    results = inferencer(inputs, batch_size=2, scale=2.0, show=True)
    expected = reference.linear(torch.tensor(inputs) * 2.0)[:, 0]
    assert results['predictions'] == pytest.approx(expected.tolist(), abs=1e-6)
    assert inferencer.model.batch_sizes == [2, 1]
    assert results['visualization'][0] == f'[1.0, 2.0] -> {expected[0].item():.3f}'
    single = inferencer(np.array([1.0, 2.0]))  # one input, not a list
    assert single['predictions'] == pytest.approx([expected[0].item() / 2.0 + 0.5 *
                                                   reference.linear.bias.item()], abs=1e-6)


def test_config_object_dict_and_no_weights_warns(config_file):
    with pytest.warns(UserWarning, match='Checkpoint is not loaded'):
        from_cfg = ToyInferencer(Config.fromfile(config_file), device='cpu', show_progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from_dict = ToyInferencer(dict(model=dict(type='InferToyModel')), device='cpu')
    assert isinstance(from_cfg.model, InferToyModel) and isinstance(from_dict.model, InferToyModel)
    assert from_dict.collate_fn.__name__ == 'pseudo_collate' and from_dict.visualizer is None
    assert from_dict([[0.0, 0.0]], return_datasamples=True)['predictions'][0].shape == ()


def test_config_read_from_the_checkpoint(tmp_path):
    reference = _weights(tmp_path / 'w.pth', meta=dict(cfg=CONFIG))
    inferencer = ToyInferencer(weights=str(tmp_path / 'w.pth'), device='cpu',
                               show_progress=False)
    assert inferencer.cfg.model.type == 'InferToyModel'
    prediction = inferencer([[1.0, 1.0]])['predictions'][0]
    assert prediction == pytest.approx(reference.linear(torch.ones(1, 2)).item(), abs=1e-6)
    torch.save(dict(state_dict=reference.state_dict()), tmp_path / 'bare.pth')
    with pytest.raises(AssertionError, match='must contain the config string'):
        ToyInferencer(weights=str(tmp_path / 'bare.pth'), device='cpu')
    with pytest.raises(ValueError, match='the weights must be specified'):
        ToyInferencer()
    with pytest.raises(TypeError, match='model must be a filepath'):
        ToyInferencer(3)


def test_collate_fn_from_the_config_and_directory_inputs(tmp_path):
    cfg = dict(model=dict(type='InferToyModel'),
               test_dataloader=dict(collate_fn=dict(type='default_collate')))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        inferencer = ToyInferencer(cfg, device='cpu', show_progress=False)
    assert inferencer.collate_fn.__name__ == 'default_collate'
    cfg['test_dataloader']['collate_fn'] = 'no_such_collate'
    with pytest.raises(KeyError, match="'no_such_collate' is not registered"):
        ToyInferencer(cfg, device='cpu')
    for name in ('b.txt', 'a.txt'):
        (tmp_path / name).write_text('x')
    assert sorted(inferencer._inputs_to_list(str(tmp_path))) == [
        str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt')]
    assert inferencer._inputs_to_list('one') == ['one']


def test_keyword_arguments_are_dispatched_and_checked(config_file):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        inferencer = ToyInferencer(config_file, device='cpu', show_progress=False)
    assert inferencer._dispatch_kwargs(scale=1, show=True, as_float=False) == (
        dict(scale=1), {}, dict(show=True), dict(as_float=False))
    with pytest.raises(ValueError, match="unknown argument {'colour'}"):
        inferencer([[1.0, 2.0]], colour='red')
    with pytest.raises(ValueError, match='batch_size must be a positive integer, got 0'):
        inferencer([[1.0, 2.0]], batch_size=0)


def test_kwarg_sets_checked_when_the_class_is_defined():
    with pytest.raises(AssertionError, match="'show' is in both preprocess_kwargs"):
        type('Bad', (ToyInferencer, ), dict(preprocess_kwargs={'show'}))
    with pytest.raises(TypeError, match='forward_kwargs must be a set'):
        type('Bad', (ToyInferencer, ), dict(forward_kwargs=['x']))


def test_model_name_lookup_is_offline(tmp_path, monkeypatch, config_file):
    with pytest.raises(ValueError, match="'toy_r18' is not a config file.*scope should be"):
        ToyInferencer('toy_r18', device='cpu')
    with pytest.raises(ValueError, match='mmlightning not in .*please pass a valid scope'):
        ToyInferencer('toy_r18', device='cpu', scope='mmlightning')
    monkeypatch.setitem(MODULE2PACKAGE, 'absentpkg', 'absent-package')  # known, not installed
    with pytest.raises(ImportError, match='pip install absent-package'):
        ToyInferencer('retinanet_r50', device='cpu', scope='absentpkg')
    package = tmp_path / 'site' / 'infertoypkg'
    (package / '.mim' / 'configs' / 'toy').mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / '.mim' / 'configs' / 'toy' / 'toy_r18.py').write_text(CONFIG)
    (package / '.mim' / 'model-index.yml').write_text('Import:\n  - configs/toy/metafile.yml\n')
    _weights(tmp_path / 'w.pth')
    (package / '.mim' / 'configs' / 'toy' / 'metafile.yml').write_text(textwrap.dedent(f'''\
        Models:
          - Name: toy_r18
            Alias: [toy-small]
            Config: configs/toy/toy_r18.py
            Weights: {tmp_path / 'w.pth'}
        '''))
    monkeypatch.syspath_prepend(str(tmp_path / 'site'))
    monkeypatch.setitem(MODULE2PACKAGE, 'infertoypkg', 'infertoypkg')
    inferencer = ToyInferencer('TOY-small', device='cpu', scope='infertoypkg',
                               show_progress=False)
    assert inferencer.cfg.filename.endswith('toy_r18.py')
    assert torch.equal(inferencer.model.linear.weight, _weights(tmp_path / 'w2.pth').linear.weight)
    assert BaseInferencer.list_models('infertoypkg', patterns='toy-') == ['toy-small']
    with pytest.raises(ValueError, match="Cannot find model: toy_r19 in infertoypkg.*'toy_r18'"):
        ToyInferencer('toy_r19', device='cpu', scope='infertoypkg')


def test_model_type_alias():
    assert set(ModelType.__args__) >= {dict, str}
