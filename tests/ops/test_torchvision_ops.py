"""prepare_torchvision: torchvision imports beside a torch build its extension was not made for."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

if importlib.util.find_spec('torchvision') is None:
    pytest.skip('torchvision is not installed', allow_module_level=True)

SCRIPT = textwrap.dedent('''
    import torch
    from mmlightning.ops.torchvision_ops import prepare_torchvision

    defined = prepare_torchvision()
    import torchvision
    iou = torchvision.ops.box_iou(torch.tensor([[0., 0, 2, 2]]), torch.tensor([[1., 1, 3, 3]]))
    assert abs(iou.item() - 1 / 7) < 1e-6, iou
    assert torchvision.transforms.functional.hflip(torch.arange(4.).view(1, 2, 2))[0, 0, 0] == 1
    if defined:
        try:
            torchvision.ops.nms(torch.rand(3, 4), torch.rand(3), 0.5)
        except RuntimeError as error:
            assert "Couldn't load custom C++ ops" in str(error), error
        else:
            raise AssertionError('nms ran without the compiled ops')
    assert prepare_torchvision() is False  # imported now: nothing more to do
    print('defined' if defined else 'compiled')
''')


def test_torchvision_imports_and_its_python_parts_work() -> None:
    done = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() in ('defined', 'compiled')


@pytest.mark.skipif(importlib.util.find_spec('mmpretrain') is None, reason='needs mmpretrain')
def test_mmpretrain_models_import() -> None:
    script = ('from mmlightning.registry.openmmlab import prepare_openmmlab\n'
              "prepare_openmmlab(dict(default_scope='mmpretrain'))\n"
              'import mmpretrain.models\n')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
