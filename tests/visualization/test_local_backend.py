"""LocalVisBackend: MMEngine's vis_data/ files, scalars.json lines and its argument errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mmlightning.config import Config
from mmlightning.visualization import LocalVisBackend
from mmlightning.visualization.utils import VisualizerArgumentError


def test_nothing_written_before_first_use(tmp_path: Path) -> None:
    LocalVisBackend(str(tmp_path / 'vis_data'))
    assert not (tmp_path / 'vis_data').exists()


def test_scalars_json_lines(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalar('mAP', torch.tensor(0.5), step=2)
    backend.add_scalars({'loss': 0.25, 'acc': np.float32(0.5), 'hist': np.arange(2)}, step=10)
    backend.add_scalars({'loss': 0.125, 'step': 7}, step=99)  # an explicit step wins
    assert (tmp_path / 'scalars.json').read_text() == (
        '{"mAP": 0.5, "step": 2}\n'
        '{"loss": 0.25, "acc": 0.5, "hist": [0, 1], "step": 10}\n'
        '{"loss": 0.125, "step": 7}\n')


def test_add_scalars_does_not_mutate_the_dict(tmp_path: Path) -> None:
    scalars = {'loss': 1.0}
    LocalVisBackend(str(tmp_path)).add_scalars(scalars, step=1)
    assert scalars == {'loss': 1.0}


def test_file_path_gets_a_copy(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({'loss': 1.0}, step=1, file_path='20240101_000000.json')
    assert (tmp_path / '20240101_000000.json').read_text() == (
        tmp_path / 'scalars.json').read_text() == '{"loss": 1.0, "step": 1}\n'
    with pytest.raises(VisualizerArgumentError, match='file_path must end with .json'):
        backend.add_scalars({'loss': 1.0}, file_path='x.txt')
    with pytest.raises(VisualizerArgumentError, match='is the scalar_save_file'):
        backend.add_scalars({'loss': 1.0}, file_path='scalars.json')
    with pytest.raises(TypeError, match='should be a dict'):
        backend.add_scalars([('loss', 1.0)])


def test_unserialisable_value_names_the_type(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match='object is not JSON serializable'):
        LocalVisBackend(str(tmp_path)).add_scalars({'x': object()})


def test_add_image_writes_rgb_png(tmp_path: Path) -> None:
    image = np.zeros((4, 6, 3), dtype=np.uint8)
    image[..., 0] = 255
    backend = LocalVisBackend(str(tmp_path))
    backend.add_image('pred', image, step=3)
    saved = np.asarray(Image.open(tmp_path / 'vis_image' / 'pred_3.png'))
    np.testing.assert_array_equal(saved, image)
    with pytest.raises(VisualizerArgumentError, match='uint8'):
        backend.add_image('pred', image.astype(np.float32))


def test_add_config_dict_and_config(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path), config_save_file='cfg.py')
    backend.add_config({'model': {'type': 'Net', 'depth': 2}, 'lr': 0.1})
    namespace: dict = {}
    exec((tmp_path / 'cfg.py').read_text(), namespace)
    assert namespace['model'] == {'type': 'Net', 'depth': 2} and namespace['lr'] == 0.1
    backend.add_config(Config(dict(a=1, b=dict(c=[0, 1]))))
    assert Config.fromfile(str(tmp_path / 'cfg.py')).b.c == [0, 1]
    with pytest.raises(TypeError, match='Config or a dict'):
        backend.add_config(['a'])


def test_file_name_suffixes_are_checked(tmp_path: Path) -> None:
    with pytest.raises(VisualizerArgumentError, match='config_save_file must end with .py'):
        LocalVisBackend(str(tmp_path), config_save_file='config.yaml')
    with pytest.raises(VisualizerArgumentError, match='scalar_save_file must end with .json'):
        LocalVisBackend(str(tmp_path), scalar_save_file='scalars.txt')


def test_experiment_is_the_backend(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path / 'deep' / 'dir'))
    assert backend.experiment is backend
    assert (tmp_path / 'deep' / 'dir').is_dir()


def test_plot_scalars_png(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    for step in range(1, 4):
        backend.add_scalars({'lr': 0.1 / step, 'loss': 1.0 / step}, step=step)
    out = backend.plot_scalars('curves.png')
    assert out == str(tmp_path / 'curves.png')
    assert Image.open(out).size == (1200, 400)  # two panels (loss, lr) of 6 x 4 in at 100 dpi
