"""NeptuneVisBackend against a stand-in ``neptune`` module: the run and its fields."""
from __future__ import annotations

import sys
from unittest.mock import MagicMock, call

import numpy as np
import pytest

from mmlightning.config import Config
from mmlightning.visualization import NeptuneVisBackend


@pytest.fixture
def neptune(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    module = MagicMock(name='neptune')
    monkeypatch.setitem(sys.modules, 'neptune', module)
    monkeypatch.setitem(sys.modules, 'neptune.types', module.types)
    return module


def test_run_is_offline_without_init_kwargs(neptune: MagicMock) -> None:
    backend = NeptuneVisBackend()
    assert backend.experiment is neptune.init_run.return_value
    neptune.init_run.assert_called_once_with(mode='offline')
    NeptuneVisBackend(init_kwargs=dict(project='ws/p'))._init_env()
    neptune.init_run.assert_called_with(project='ws/p')


def test_scalars_images_and_config_are_fields_of_the_run(neptune: MagicMock) -> None:
    run = neptune.init_run.return_value
    File = neptune.types.File
    backend = NeptuneVisBackend()
    backend.add_scalar('loss', np.float64(0.5), step=2)
    backend.add_scalars({'acc': 0.25}, step=3)
    run.__getitem__.assert_has_calls([call('loss'), call().append(0.5, step=2),
                                      call('acc'), call().append(0.25, step=3)])
    backend.add_image('pred', np.full((1, 1, 3), 255, np.uint8), step=4)
    image = File.as_image.call_args.args[0]
    assert image.dtype == np.float32 and image.max() == 1.0  # Neptune reads floats in [0, 1]
    run.__getitem__.return_value.append.assert_called_with(File.as_image.return_value,
                                                           name='pred', step=4)
    cfg = Config(dict(lr=0.1))
    backend.add_config(cfg)
    File.from_content.assert_called_once_with(cfg.pretty_text)
    with pytest.raises(ValueError, match='through the step parameter'):
        backend.add_scalars({'acc': 1.0, 'step': 5})
    backend.close()
    run.stop.assert_called_once_with()


def test_missing_neptune_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'neptune', None)
    with pytest.raises(ImportError, match='pip install neptune'):
        NeptuneVisBackend().add_scalar('loss', 1.0)
    NeptuneVisBackend().close()  # never started: nothing to stop
