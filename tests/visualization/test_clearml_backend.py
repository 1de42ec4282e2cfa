"""ClearMLVisBackend against a stand-in ``clearml`` module: the task and logger calls."""
from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock, call

import numpy as np
import pytest
import torch

from mmlightning.config import Config
from mmlightning.visualization import ClearMLVisBackend


@pytest.fixture
def clearml(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    module = MagicMock(name='clearml')
    monkeypatch.setitem(sys.modules, 'clearml', module)
    return module


def test_task_is_made_on_first_use_with_init_kwargs(clearml: MagicMock) -> None:
    backend = ClearMLVisBackend(init_kwargs=dict(project_name='p', task_name='t'))
    clearml.Task.init.assert_not_called()
    assert backend.experiment is clearml
    clearml.Task.init.assert_called_once_with(project_name='p', task_name='t')


def test_config_scalars_and_images_go_to_the_task(clearml: MagicMock) -> None:
    task = clearml.Task.init.return_value
    logger = task.get_logger.return_value
    backend = ClearMLVisBackend()
    backend.add_config(Config(dict(lr=0.1, model=dict(depth=2))))
    task.connect_configuration.assert_called_once_with({'lr': 0.1, 'model': {'depth': 2}})
    backend.add_scalar('loss', torch.tensor(0.5), step=2)
    backend.add_scalars({'acc': 0.25}, step=3)
    image = np.zeros((2, 2, 3), np.uint8)
    backend.add_image('pred', image, step=4)
    assert logger.report_scalar.call_args_list == [
        call(title='loss', series='loss', value=0.5, iteration=2),
        call(title='acc', series='acc', value=0.25, iteration=3)]
    logger.report_image.assert_called_once_with(title='pred', series='pred', iteration=4,
                                                image=image)
    with pytest.raises(AssertionError, match='through the step parameter'):
        backend.add_scalars({'acc': 1.0, 'step': 5})


def test_close_uploads_top_level_work_dir_artifacts(tmp_path: Path, clearml: MagicMock) -> None:
    ClearMLVisBackend().close()
    clearml.Task.init.assert_not_called()
    (tmp_path / 'sub').mkdir()
    for name in ('cfg.py', 'epoch_1.pth', 'log.json', 'sub/deep.py'):
        (tmp_path / name).write_text('x')
    backend = ClearMLVisBackend()
    backend.add_config(dict(work_dir=str(tmp_path)))
    backend.close()
    task = clearml.Task.init.return_value
    assert task.upload_artifact.call_args_list == [
        call('cfg.py', str(tmp_path / 'cfg.py')),
        call('epoch_1.pth', str(tmp_path / 'epoch_1.pth'))]
    task.close.assert_called_once_with()


def test_missing_clearml_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'clearml', None)
    with pytest.raises(ImportError, match='pip install clearml'):
        ClearMLVisBackend().add_scalar('loss', 1.0)
