"""``mmlightning predict`` on ``.npy`` and ``.png`` digits with a briefly trained checkpoint."""
from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlightning.apis import init_model
from mmlightning.cli import main
from mmlightning.dataset.digits import split_indices
from mmlightning.optim import OptimWrapper
from mmlightning.structures import BaseDataElement

sklearn_datasets = pytest.importorskip('sklearn.datasets')
Image = pytest.importorskip('PIL.Image')

CONFIG = str(Path(__file__).parents[2] / 'configs' / 'digits' / 'simple_cnn_digits.py')


@pytest.fixture(scope='module')
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[int]]:
    """A ``.pth`` trained for one epoch of the train split; 3 test digits as .npy, .npy, .png."""
    folder = tmp_path_factory.mktemp('predict')
    data = sklearn_datasets.load_digits()
    images = data.images.astype(np.float32)
    torch.manual_seed(0)
    model = init_model(CONFIG)
    model.train()
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=3e-3))
    train = np.random.default_rng(0).permutation(split_indices(len(images), 'train', 0.15,
                                                               0.15, seed=0))
    for start in range(0, len(train), 32):
        batch = train[start:start + 32]
        model.train_step(dict(inputs=[torch.from_numpy(images[i][None]) for i in batch],
                              data_samples=[BaseDataElement(gt_label=torch.tensor([data.target[i]]))
                                            for i in batch]), wrapper)
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), folder / 'digits.pth')
    test = split_indices(len(images), 'test', 0.15, 0.15, seed=0)[:3]
    np.save(folder / 'a.npy', images[test[0]])
    np.save(folder / 'b.npy', images[test[1]][None])
    Image.fromarray(data.images[test[2]].astype(np.uint8), mode='L').save(folder / 'c.png')
    inputs = [str(folder / name) for name in ('a.npy', 'b.npy', 'c.png')]
    return folder / 'digits.pth', inputs, [int(data.target[i]) for i in test]


def test_predict_prints_one_line_per_input(setup: tuple[Path, list[str], list[int]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint, inputs, labels = setup
    assert main(['predict', CONFIG, str(checkpoint), *inputs]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if 'label=' in line]
    assert [line.split(':')[0] for line in lines] == inputs
    predicted = [int(line.split('label=')[1].split()[0]) for line in lines]
    assert sum(p == label for p, label in zip(predicted, labels)) >= 2
    for line, label in zip(lines, predicted):
        assert f'label={label} ({label}) score=' in line
        assert 0 < float(line.split('score=')[1]) <= 1


@pytest.mark.parametrize('suffix', ['.json', '.pkl'])
def test_predict_out(setup: tuple[Path, list[str], list[int]], tmp_path: Path, suffix: str,
                     capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint, inputs, _ = setup
    out = tmp_path / f'predictions{suffix}'
    assert main(['predict', CONFIG, str(checkpoint), *inputs, '--out', str(out)]) == 0
    assert f'predictions written to {out}' in capsys.readouterr().out
    dumped = json.loads(out.read_text()) if suffix == '.json' else pickle.loads(out.read_bytes())
    assert [item['input'] for item in dumped] == inputs
    for item in dumped:
        prediction = item['prediction']
        assert isinstance(prediction['pred_score'], list) and len(prediction['pred_score']) == 10
        assert prediction['pred_label'] == [int(np.argmax(prediction['pred_score']))]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize('args, message', [
    (['nope.npy'], 'FileNotFoundError: input file not found: .*nope.npy'),
    (['a.txt'], "unsupported suffix '.txt'; predict reads .npy"),
    (['a.npy', '--out', 'out.csv'], "--out must name a .json or .pkl file, got '.*out.csv'"),
])
def test_predict_errors_exit_2(setup: tuple[Path, list[str], list[int]], args: list[str],
                               message: str, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = setup[0]
    paths = [arg if arg.startswith('--') else str(checkpoint.parent / arg) for arg in args]
    assert main(['predict', CONFIG, str(checkpoint), *paths]) == 2
    err = capsys.readouterr().err
    assert err.startswith('mmlightning: error: ') and '--debug' in err
    assert re.search(message, err)


def test_predict_missing_checkpoint_and_debug(setup: tuple[Path, list[str], list[int]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    inputs = setup[1]
    missing = str(setup[0].parent / 'missing.pth')
    assert main(['predict', CONFIG, missing, *inputs]) == 2
    assert f'checkpoint not found: {missing}' in capsys.readouterr().err
    assert main(['predict', CONFIG, missing, *inputs, '--debug']) == 2
    assert 'Traceback' in capsys.readouterr().err
