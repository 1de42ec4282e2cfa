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


def test_has_gui_backend_follows_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    monkeypatch.setattr(matplotlib, 'get_backend', lambda: 'agg')
    assert not visualizer_module._has_gui_backend()
    monkeypatch.setattr(matplotlib, 'get_backend', lambda: 'TkAgg')
    assert visualizer_module._has_gui_backend()


def test_show_headless_warns_and_returns(black_vis: Visualizer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visualizer_module, '_has_gui_backend', lambda: False)
    with pytest.warns(UserWarning, match='no display'):
        assert black_vis.show() is None
    with pytest.raises(ValueError, match='"matplotlib"'):
        black_vis.show(backend='cv2')


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


def test_show_with_gui_backend_opens_a_window(black_vis: Visualizer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    calls = []
    monkeypatch.setattr(visualizer_module, '_has_gui_backend', lambda: True)
    monkeypatch.setattr(plt, 'show', lambda block=None: calls.append(('show', block)))
    monkeypatch.setattr(plt, 'pause', lambda seconds: calls.append(('pause', seconds)))
    black_vis.show(win_name='boxes', wait_time=0.5)
    black_vis.show(win_name='boxes')
    assert calls == [('show', False), ('pause', 0.5), ('show', True)]
    fig = plt.figure('boxes')
    assert fig.axes[0].images[0].get_array().shape == (40, 48, 3)
    plt.close('all')


def test_tensorboard_backend_needs_save_dir_argument() -> None:
    backend = TensorboardVisBackend(save_dir=None)
    with pytest.warns(UserWarning, match='save_dir'):
        assert Visualizer(vis_backends=backend).get_backend('TensorboardVisBackend') is None
