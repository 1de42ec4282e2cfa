"""An OpenMMLab-style package (its own scope, children of MMEngine's registries) trains here.

The package is written into a temporary folder, exactly as OpenMMLab packages
are laid out: ``<pkg>/registry.py`` with child registries of MMEngine's roots,
and components registered there with ``locations``. A config with
``default_scope='<pkg>'`` builds its MMEngine model, dataset, transform, metric
and hook, and the Runner trains them on Lightning.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip('mmengine.registry')

REGISTRY = '''
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

LOCATIONS = ['{pkg}.components']
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='{pkg}', locations=LOCATIONS)
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='{pkg}', locations=LOCATIONS)
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='{pkg}',
                      locations=LOCATIONS)
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='{pkg}', locations=LOCATIONS)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='{pkg}', locations=LOCATIONS)
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='{pkg}',
                       locations=LOCATIONS)
'''

COMPONENTS = '''
import torch
from torch import nn
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from mmengine.visualization import Visualizer

from .registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS, VISUALIZERS

CALLS = []


@TRANSFORMS.register_module()
class ToPoint:
    def __call__(self, results):
        return dict(inputs=torch.tensor(results['point']), data_samples=results['label'])


@DATASETS.register_module()
class PkgPoints(BaseDataset):
    def __init__(self, size=12, **kwargs):
        self.size = size
        super().__init__(**kwargs)

    def load_data_list(self):
        generator = torch.Generator().manual_seed(self.size)
        points = torch.randn(self.size, 4, generator=generator)
        return [dict(point=p.tolist(), label=int(p.sum() > 0)) for p in points]


@MODELS.register_module()
class PkgNet(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.tensor(data_samples)))
        # MMEngine data elements, as mmpretrain's DataSample: the evaluator gives metrics dicts
        return [BaseDataElement(pred=int(p), gt=int(g))
                for p, g in zip(logits.argmax(1), data_samples)]


@METRICS.register_module()
class PkgAccuracy(BaseMetric):
    def process(self, data_batch, data_samples):
        assert all(isinstance(s, dict) for s in data_samples), data_samples
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results):
        return dict(acc=sum(results) / len(results))


@VISUALIZERS.register_module()
class PkgVisualizer(Visualizer):
    pass


@HOOKS.register_module()
class PkgHook(Hook):
    def after_train_epoch(self, runner):
        CALLS.append(('after_train_epoch', runner.epoch, runner.iter))

    def after_val_epoch(self, runner, metrics=None):
        CALLS.append(('after_val_epoch', runner.epoch, sorted(metrics)))
'''


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f'mml_pkg_{tmp_path.name.replace("-", "_")}'
    root = tmp_path / name
    root.mkdir()
    (root / '__init__.py').write_text('')
    (root / 'registry.py').write_text(REGISTRY.format(pkg=name))
    (root / 'components.py').write_text(COMPONENTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def test_default_scope_trains_an_openmmlab_package(package: str, tmp_path: Path) -> None:
    from mmlightning.config import Config
    from mmlightning.runner import Runner

    loader = dict(batch_size=4, sampler=dict(type='DefaultSampler', shuffle=True))
    cfg = Config(dict(
        default_scope=package, work_dir=str(tmp_path / 'work'),
        model=dict(type='PkgNet'),
        train_dataloader=dict(dataset=dict(type='PkgPoints', pipeline=[dict(type='ToPoint')]),
                              **loader),
        val_dataloader=dict(dataset=dict(type='PkgPoints', size=8,
                                         pipeline=[dict(type='ToPoint')]), **loader),
        val_evaluator=dict(type='PkgAccuracy'),
        train_cfg=dict(by_epoch=True, max_epochs=2), val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='PkgHook')], randomness=dict(seed=0),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1, _scope_=package)),
        visualizer=dict(type='PkgVisualizer', vis_backends=[dict(type='LocalVisBackend')]),
        trainer=dict(enable_progress_bar=False)))
    runner = Runner.from_cfg(cfg)
    components = sys.modules[f'{package}.components']
    assert type(runner.model).__module__ == f'{package}.components'
    # names the package does not register are mmlightning's (MMEngine's root's, under MMEngine)
    hooks = {type(hook).__name__: type(hook).__module__ for hook in runner.hooks}
    assert hooks.pop('PkgHook') == f'{package}.components'
    assert all(module.startswith('mmlightning.') for module in hooks.values()), hooks
    assert type(runner.log_processor).__module__.startswith('mmlightning.')
    # the package's (MMEngine) visualizer got the config as an mmengine.Config
    assert type(runner.visualizer).__name__ == 'PkgVisualizer'
    assert (Path(runner.log_dir) / 'vis_data' / 'config.py').is_file()
    runner.train()
    assert runner.iter == 6
    assert components.CALLS == [('after_train_epoch', 0, 3), ('after_val_epoch', 1, ['acc']),
                                ('after_train_epoch', 1, 6), ('after_val_epoch', 2, ['acc'])]


def test_scoped_type_names_and_unknown_scope(package: str) -> None:
    from mmlightning.registry import MODELS

    model = MODELS.build(dict(type=f'{package}.PkgNet'))
    assert type(model).__name__ == 'PkgNet'
    assert type(MODELS.build(dict(type='PkgNet', _scope_=package))).__name__ == 'PkgNet'
    from mmlightning.hooks import LoggerHook
    from mmlightning.registry import HOOKS

    assert type(HOOKS.build(dict(type='LoggerHook', _scope_=package))) is LoggerHook
    assert HOOKS.get(f'{package}.LoggerHook') is LoggerHook
    assert HOOKS.get(f'{package}.PkgHook').__module__ == f'{package}.components'
    with pytest.raises(KeyError, match="scope 'mml_no_such_package' has no 'model' registry"):
        MODELS.build(dict(type='PkgNet', _scope_='mml_no_such_package'))


def test_device_moves_reach_mmengine_preprocessors(package: str) -> None:
    import torch

    from mmlightning.lightning import MMLightningModule
    from mmlightning.registry import MODELS

    module = MMLightningModule(MODELS.build(dict(type=f'{package}.PkgNet')))
    seen = []
    original = module.model._set_device
    module.model._set_device = lambda device: (seen.append(device), original(device))
    module.to(torch.device('cpu'))
    assert seen == [torch.device('cpu')]
    assert module.model.data_preprocessor._device == torch.device('cpu')
