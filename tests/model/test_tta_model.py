import pytest
import torch

from mmlightning.model import BaseModel, BaseTTAModel
from mmlightning.registry import MODELS


@MODELS.register_module(force=True)
class _TTAToy(BaseModel):
    def forward(self, inputs, data_samples=None, mode='tensor'):
        return [x.sum().item() + s for x, s in zip(inputs, data_samples)]


class AverageTTA(BaseTTAModel):
    def merge_preds(self, data_samples_list):
        return [sum(preds) / len(preds) for preds in data_samples_list]


def _tta_batch():
    # 2 augmentations x 2 samples.
    return dict(inputs=[[torch.ones(2), torch.zeros(2)], [torch.full((2,), 3.0), torch.ones(2)]],
                data_samples=[[0, 10], [0, 10]])


def test_test_step_splits_augmentations_and_merges():
    tta = AverageTTA(module=_TTAToy())
    assert tta.test_step(_tta_batch()) == [(2 + 6) / 2, (10 + 12) / 2]


def test_test_step_with_sequence_batch():
    tta = AverageTTA(module=_TTAToy())
    batch = _tta_batch()
    assert tta.test_step([batch['inputs'], batch['data_samples']]) == [4.0, 11.0]
    with pytest.raises(TypeError, match='should be a dict, tuple or list, but got int'):
        tta.test_step(3)


def test_built_from_config_with_data_preprocessor():
    tta = AverageTTA(module=dict(type='_TTAToy'), data_preprocessor=dict(
        type='BaseDataPreprocessor', non_blocking=True))
    assert isinstance(tta.module, _TTAToy) and tta.module.data_preprocessor._non_blocking


def test_bad_module_and_forward():
    with pytest.raises(TypeError, match="nn.Module or a config dict, got 'model'"):
        AverageTTA(module='model')
    with pytest.raises(TypeError, match='must implement test_step'):
        AverageTTA(module=torch.nn.Linear(1, 1))
    with pytest.raises(NotImplementedError, match='call test_step instead'):
        AverageTTA(module=_TTAToy())(torch.ones(1))
