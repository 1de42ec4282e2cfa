"""``init_model`` and ``inference_model`` on the digits example, trained for one epoch."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mmlightning.apis import inference_model, init_model
from mmlightning.config import Config
from mmlightning.dataset.digits import split_indices
from mmlightning.structures import BaseDataElement

sklearn_datasets = pytest.importorskip('sklearn.datasets')

CONFIG = str(Path(__file__).parents[2] / 'configs' / 'digits' / 'simple_cnn_digits.py')
DIGITS = tuple(str(digit) for digit in range(10))


@pytest.fixture(scope='module')
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The first 40 images (8x8, values 0..16) and labels of the config's test split."""
    data = sklearn_datasets.load_digits()
    test = split_indices(len(data.images), 'test', 0.15, 0.15, seed=0)[:40]
    return data.images[test].astype(np.float32), data.target[test]


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Lightning checkpoint of the digits config after one training epoch (no validation)."""
    from mmlightning.runner import Runner

    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path_factory.mktemp('digits'))
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = cfg.param_scheduler[:1]
    cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=100)
    cfg.visualizer = dict(type='Visualizer', vis_backends=[])
    Runner.from_cfg(cfg).train()
    return str(Path(cfg.work_dir) / 'epoch_1.ckpt')


def test_init_model_from_lightning_ckpt(ckpt: str) -> None:
    model = init_model(CONFIG, ckpt, device='cpu')
    assert not model.training
    assert isinstance(model.cfg, Config) and model.cfg.model.type == 'SimpleCNNClassifier'
    assert model.dataset_meta == dict(classes=DIGITS)
    assert all(param.device.type == 'cpu' for param in model.parameters())
    initial = init_model(CONFIG)
    assert not torch.equal(model.head[2].weight, initial.head[2].weight)


def test_predictions_single_and_list(ckpt: str, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    model = init_model(CONFIG, ckpt)
    predictions = inference_model(model, list(images))
    assert isinstance(predictions, list) and len(predictions) == len(images)
    for prediction in predictions:
        assert isinstance(prediction, BaseDataElement)
        assert prediction.pred_score.shape == (10,) and prediction.pred_label.shape == (1,)
        assert prediction.pred_score.sum().item() == pytest.approx(1, abs=1e-5)
        assert prediction.pred_label.item() == prediction.pred_score.argmax().item()
    predicted = np.array([p.pred_label.item() for p in predictions])
    assert (predicted == labels).mean() >= 0.8
    single = inference_model(model, images[0])
    assert isinstance(single, BaseDataElement)
    torch.testing.assert_close(single.pred_score, predictions[0].pred_score)


def test_tensor_and_dict_inputs(ckpt: str, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    model = init_model(CONFIG, ckpt)
    from_array = inference_model(model, images[1])
    from_tensor = inference_model(model, torch.from_numpy(images[1])[None])
    from_dict = inference_model(model, dict(img=images[1][None], gt_label=int(labels[1]),
                                            img_id=7))
    torch.testing.assert_close(from_tensor.pred_score, from_array.pred_score)
    torch.testing.assert_close(from_dict.pred_score, from_array.pred_score)
    assert from_dict.img_id == 7 and from_dict.gt_label.item() == labels[1]
    assert inference_model(model, []) == []


def test_mmengine_pth_with_dataset_meta(ckpt: str, digits: tuple[np.ndarray, np.ndarray],
                                        tmp_path: Path) -> None:
    images = digits[0][:5]
    trained = init_model(CONFIG, ckpt)
    letters = tuple('abcdefghij')
    pth = tmp_path / 'digits.pth'
    torch.save(dict(meta=dict(dataset_meta=dict(classes=letters)),
                    state_dict=trained.state_dict()), pth)
    model = init_model(CONFIG, str(pth))
    assert model.dataset_meta == dict(classes=letters)
    for ours, reference in zip(inference_model(model, list(images)),
                               inference_model(trained, list(images))):
        torch.testing.assert_close(ours.pred_score, reference.pred_score)


def test_config_object_and_cfg_options() -> None:
    cfg = Config.fromfile(CONFIG)
    original = copy.deepcopy(cfg.to_dict())
    model = init_model(cfg, cfg_options={'model.num_classes': 5, 'model.channels': (4, 8)})
    assert model.head[2].out_features == 5 and model.backbone[0][0].out_channels == 4
    assert model.cfg.model.num_classes == 5 and cfg.to_dict() == original
    assert model.dataset_meta == dict(classes=DIGITS)
    assert inference_model(model, np.zeros((8, 8), np.float32)).pred_score.shape == (5,)


def test_load_transforms_are_skipped_for_arrays_only() -> None:
    model = init_model(CONFIG, cfg_options={'test_dataloader.dataset.pipeline': [
        dict(type='LoadImageFromFile'), dict(type='PackInputs', data_keys=())]})
    assert inference_model(model, np.zeros((8, 8), np.float32)).pred_label.shape == (1,)
    with pytest.raises(KeyError, match='LoadImageFromFile'):
        inference_model(model, dict(img=np.zeros((1, 8, 8), np.float32)))


def test_dropped_input_is_an_error() -> None:
    model = init_model(CONFIG)
    model.cfg.test_dataloader.dataset.pipeline = [lambda results: None]
    with pytest.raises(ValueError, match='dropped input 0'):
        inference_model(model, np.zeros((8, 8), np.float32))


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match='config must be a file path or a Config, got int'):
        init_model(42)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="has no 'model'"):
        init_model(Config(dict(default_scope='mmlightning')))
    with pytest.raises(FileNotFoundError, match='missing.pth can not be found'):
        init_model(CONFIG, str(tmp_path / 'missing.pth'))
    with pytest.raises(AttributeError, match='the model has no .cfg'):
        inference_model(nn.Linear(2, 2), np.zeros(2))
    with pytest.raises(TypeError, match='must be a numpy array, a tensor or a dict'):
        inference_model(init_model(CONFIG), 'digit.png')
