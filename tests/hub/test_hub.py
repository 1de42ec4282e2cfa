"""get_config / get_model on a package laid out like an installed OpenMMLab one."""
from __future__ import annotations

import textwrap

import pytest
import torch
from torch import nn

from mmlightning.hub import get_config, get_model
from mmlightning.model import BaseModel
from mmlightning.registry import MODELS


@MODELS.register_module(force=True)
class HubToyModel(BaseModel):

    def __init__(self, width: int = 2, data_preprocessor=None, init_cfg=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.linear = nn.Linear(width, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.linear(inputs)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``hubtoypkg`` on sys.path with ``.mim`` configs, a model index and weights."""
    root = tmp_path / 'site' / 'hubtoypkg'
    configs = root / '.mim' / 'configs'
    (configs / 'toy').mkdir(parents=True)
    (configs / '_base_').mkdir()
    (root / '__init__.py').write_text('')
    (configs / '_base_' / 'toy_model.py').write_text('model = dict(type="HubToyModel", width=3)\n')
    (configs / 'toy' / 'toy_w3.py').write_text(
        "_base_ = ['../_base_/toy_model.py']\n"
        "data_preprocessor = dict(type='BaseDataPreprocessor')\n")
    (configs / 'toy' / 'toy_nw.py').write_text("_base_ = ['../_base_/toy_model.py']\n")
    torch.manual_seed(1)
    weights = tmp_path / 'toy_w3.pth'
    torch.save(dict(state_dict=HubToyModel(3).state_dict()), weights)
    (root / '.mim' / 'model-index.yml').write_text('Import:\n  - configs/toy/metafile.yml\n')
    (configs / 'toy' / 'metafile.yml').write_text(textwrap.dedent(f'''\
        Models:
          - Name: toy_w3
            Config: configs/toy/toy_w3.py
            Weights: {weights}
          - Name: toy_nw
            Config: configs/toy/toy_nw.py
        '''))
    monkeypatch.syspath_prepend(str(tmp_path / 'site'))
    return weights


def test_get_config_from_the_metafile_and_from_mim_configs(package):
    cfg = get_config('hubtoypkg::toy/toy_w3.py', pretrained=True)
    assert cfg.model.type == 'HubToyModel' and cfg.model.width == 3
    assert cfg.model_path == str(package)
    assert get_config('hubtoypkg::toy/toy_w3.py').get('model_path') is None
    base = get_config('hubtoypkg::_base_/toy_model.py')  # no metafile entry: .mim/configs
    assert base.model.width == 3
    with pytest.raises(ValueError, match='Cannot find `Weights`'):
        get_config('hubtoypkg::toy/toy_nw.py', pretrained=True)
    with pytest.raises(FileNotFoundError, match='ships no config toy/missing.py'):
        get_config('hubtoypkg::toy/missing.py')


def test_get_config_of_a_package_that_is_not_installed():
    with pytest.raises(ModuleNotFoundError, match=r'pip install nohubpkg'):
        get_config('nohubpkg::toy/toy.py')
    with pytest.raises(ValueError, match='please specify the package name'):
        get_config('toy/toy.py')


def test_get_model_builds_and_loads_pretrained_weights(package):
    model = get_model('hubtoypkg::toy/toy_w3.py', pretrained=True)
    assert isinstance(model, HubToyModel) and model._is_init
    assert torch.equal(model.linear.weight, torch.load(package)['state_dict']['linear.weight'])
    assert type(model.data_preprocessor).__name__ == 'BaseDataPreprocessor'
    fresh = get_model('hubtoypkg::toy/toy_nw.py', width=5)  # kwargs: default arguments
    assert fresh.linear.in_features == 3 and not getattr(fresh, '_is_init', False)
