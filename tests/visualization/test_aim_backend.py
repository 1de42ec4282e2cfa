"""AimVisBackend against a stand-in ``aim`` module: the run and what it tracks."""
from __future__ import annotations

import re
import sys
from unittest.mock import MagicMock, call

import numpy as np
import pytest

from mmlightning.config import Config
from mmlightning.visualization import AimVisBackend


@pytest.fixture
def aim(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    module = MagicMock(name='aim')
    monkeypatch.setitem(sys.modules, 'aim', module)
    return module


def test_experiment_is_named_after_save_dir_or_the_time(aim: MagicMock) -> None:
    backend = AimVisBackend('work/20260101_000000/vis_data')
    assert backend.experiment is aim.Run.return_value
    aim.Run.assert_called_once_with(experiment='20260101_000000_vis_data')
    AimVisBackend()._init_env()
    assert re.fullmatch(r'\d{8}_\d{6}', aim.Run.call_args.kwargs['experiment'])
    AimVisBackend(init_kwargs=dict(experiment='mine', repo='/r'))._init_env()
    aim.Run.assert_called_with(experiment='mine', repo='/r')


def test_config_scalars_and_images_are_tracked(aim: MagicMock) -> None:
    run = aim.Run.return_value
    backend = AimVisBackend()
    backend.add_config(Config(dict(lr=0.1)))
    run.__setitem__.assert_called_once_with('hparams', {'lr': 0.1})
    backend.add_scalar('loss', np.array(0.5), step=2)
    backend.add_scalars({'acc': 0.25, 'lr': 0.1}, step=3)
    image = np.zeros((2, 2, 3), np.uint8)
    backend.add_image('pred', image, step=4)
    aim.Image.assert_called_once_with(image)
    assert run.track.call_args_list == [
        call(name='loss', value=0.5, step=2), call(name='acc', value=0.25, step=3),
        call(name='lr', value=0.1, step=3), call(name='pred', value=aim.Image.return_value,
                                                   step=4)]
    backend.close()
    run.close.assert_called_once_with()


def test_missing_aim_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'aim', None)
    with pytest.raises(ImportError, match='pip install aim'):
        AimVisBackend().add_scalar('loss', 1.0)
    AimVisBackend().close()  # never started: nothing to close
