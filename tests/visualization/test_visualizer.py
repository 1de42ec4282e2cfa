"""Visualizer: building backends, routing add_* calls, instances, show() and the registry."""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from mmlightning.registry import VISBACKENDS, VISUALIZERS
from mmlightning.visualization import LocalVisBackend, TensorboardVisBackend, Visualizer
from mmlightning.visualization import utils as vis_utils
from mmlightning.visualization import visualizer as visualizer_module


def test_backends_from_configs_get_vis_data_dir(tmp_path: Path) -> None:
    cfgs = [dict(type='LocalVisBackend'), dict(type='LocalVisBackend', name='second')]
    vis = Visualizer(vis_backends=cfgs, save_dir=str(tmp_path))
    assert isinstance(vis.get_backend('LocalVisBackend'), LocalVisBackend)
    assert vis.get_backend('second')._save_dir == str(tmp_path / 'vis_data')
    assert vis.get_backend('missing') is None
    assert cfgs[1] == dict(type='LocalVisBackend', name='second')  # the user's dicts untouched


def test_backend_instance_and_single_dict(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    assert Visualizer(vis_backends=backend).get_backend('LocalVisBackend') is backend
    vis = Visualizer(vis_backends=dict(type='LocalVisBackend'), save_dir=str(tmp_path))
    assert vis.get_backend('LocalVisBackend') is not None


def test_backend_needing_save_dir_is_skipped_with_warning() -> None:
    with pytest.warns(UserWarning, match='provide the `save_dir`'):
        vis = Visualizer(vis_backends=[dict(type='TensorboardVisBackend')])
    assert vis.get_backend('TensorboardVisBackend') is None


def test_bad_backends_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match='list of dicts'):
        Visualizer(vis_backends=['LocalVisBackend'])
    with pytest.raises(RuntimeError, match='LocalVisBackend already exists'):
        Visualizer(vis_backends=[dict(type='LocalVisBackend')] * 2, save_dir=str(tmp_path))


def test_add_calls_reach_every_backend(tmp_path: Path) -> None:
    vis = Visualizer(vis_backends=[dict(type='LocalVisBackend'),
                                   dict(type='LocalVisBackend', name='b',
                                        scalar_save_file='other.json')],
                     save_dir=str(tmp_path))
    vis.add_scalars({'loss': 0.5}, step=3)
    vis.add_scalar('acc', 0.75, step=4)
    vis.add_image('img', np.zeros((4, 4, 3), dtype=np.uint8), step=2)
    vis.add_config({'lr': 0.1})
    vis.add_graph(None, [])  # the local backend records no graph
    vis_data = tmp_path / 'vis_data'
    for name in ('scalars.json', 'other.json'):
        lines = (vis_data / name).read_text().splitlines()
        assert [json.loads(line) for line in lines] == [{'loss': 0.5, 'step': 3},
                                                        {'acc': 0.75, 'step': 4}]
    assert (vis_data / 'vis_image' / 'img_2.png').is_file()
    assert (vis_data / 'config.py').read_text() == 'lr = 0.1\n'
    vis.close()


def test_plot_scalars_writes_png_per_local_backend(tmp_path: Path) -> None:
    vis = Visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    vis.add_scalars({'loss': 1.0, 'lr': 0.1}, step=1)
    assert vis.plot_scalars() == [str(tmp_path / 'vis_data' / 'scalars.png')]
    assert Visualizer().plot_scalars() == []


def test_dataset_meta_property() -> None:
    vis = Visualizer()
    assert vis.dataset_meta is None
    vis.dataset_meta = {'classes': ('cat', 'dog')}
    assert vis.dataset_meta == {'classes': ('cat', 'dog')}


def test_add_datasample_must_be_implemented_by_subclasses() -> None:
    with pytest.raises(NotImplementedError, match='subclass Visualizer'):
        Visualizer().add_datasample('x', np.zeros((2, 2, 3), np.uint8))


def test_get_instance_registers_subclasses_for_get_current_instance() -> None:
    class DetVisualizer(Visualizer):
        pass

    det = DetVisualizer.get_instance('det')
    assert Visualizer.get_current_instance() is det
    assert DetVisualizer.get_instance('det') is det


def test_registry_builds_visualizer_and_backends(tmp_path: Path) -> None:
    vis = VISUALIZERS.build(dict(type='Visualizer', name='built', save_dir=str(tmp_path),
                                 vis_backends=[dict(type='LocalVisBackend')]))
    assert isinstance(vis, Visualizer)
    for name in ('LocalVisBackend', 'TensorboardVisBackend', 'WandbVisBackend'):
        assert VISBACKENDS.get(name) is not None


def test_fig_save_cfg_is_used() -> None:
    vis = Visualizer(fig_save_cfg=dict(frameon=False, dpi=50))
    assert vis.dpi == 50


def test_show_headless_draws_in_its_figure_warns_and_returns(black_vis: Visualizer,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setattr(vis_utils, 'has_gui_backend', lambda: False)
    with pytest.warns(UserWarning, match='no display'):
        assert black_vis.show() is None
    figure = black_vis.manager.canvas.figure
    assert figure.axes[0].images[0].get_array().shape == (40, 48, 3)
    manager = black_vis.manager
    with pytest.warns(UserWarning, match='no display'):
        black_vis.show(np.zeros((2, 3, 3), np.uint8), win_name='again')
    assert black_vis.manager is manager  # one window per visualizer, reused
    assert figure.axes[0].images[0].get_array().shape == (2, 3, 3)
    with pytest.raises(ValueError, match='"matplotlib" or "cv2"'):
        black_vis.show(backend='qt')


def test_show_waits_on_its_figure(black_vis: Visualizer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = []
    monkeypatch.setattr(visualizer_module, 'wait_continue',
                        lambda figure, timeout, continue_key: waits.append(
                            (figure, timeout, continue_key)))
    black_vis.show(win_name='boxes', wait_time=0.5, continue_key='q')
    assert waits == [(black_vis.manager.canvas.figure, 0.5, 'q')]


def test_show_with_cv2_backend_opens_one_bgr_window(black_vis: Visualizer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    fake_cv2 = types.SimpleNamespace(
        namedWindow=lambda winname: calls.append(('namedWindow', winname)),
        setWindowTitle=lambda window, title: calls.append(('title', window, title)),
        imshow=lambda window, img: calls.append(('imshow', window, img.tolist())),
        waitKey=lambda ms: calls.append(('waitKey', ms)))
    monkeypatch.setattr(visualizer_module, 'cv2', fake_cv2)
    rgb = np.array([[[1, 2, 3]]], dtype=np.uint8)
    black_vis.show(rgb, win_name='pred', wait_time=0.25, backend='cv2')
    window = str(id(black_vis))
    assert calls == [('namedWindow', window), ('title', window, 'pred'),
                     ('imshow', window, [[[3, 2, 1]]]), ('waitKey', 250)]


def test_cv2_is_imported_lazily_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'cv2', None)  # import cv2 raises ImportError
    with pytest.raises(ImportError, match='pip install opencv-python'):
        visualizer_module.cv2.imshow  # noqa: B018


def test_show_in_notebook_displays_inline(black_vis: Visualizer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    fake_ipython = types.SimpleNamespace(get_ipython=lambda: types.SimpleNamespace(kernel=object()))
    monkeypatch.setitem(sys.modules, 'IPython', fake_ipython)
    monkeypatch.setitem(sys.modules, 'IPython.display',
                        types.SimpleNamespace(display=shown.append))
    drawn = np.full((3, 5, 3), 7, dtype=np.uint8)
    black_vis.show(drawn)
    assert shown[0].size == (5, 3) and np.asarray(shown[0])[0, 0].tolist() == [7, 7, 7]
    assert black_vis.manager is None


def test_set_image_rejects_non_arrays_as_type_and_assertion_error() -> None:
    with pytest.raises(TypeError, match='np.ndarray'):
        Visualizer().set_image(None)
    with pytest.raises(AssertionError):
        Visualizer().set_image([[0]])


def test_tensorboard_backend_needs_save_dir_argument() -> None:
    backend = TensorboardVisBackend(save_dir=None)
    with pytest.warns(UserWarning, match='save_dir'):
        assert Visualizer(vis_backends=backend).get_backend('TensorboardVisBackend') is None
