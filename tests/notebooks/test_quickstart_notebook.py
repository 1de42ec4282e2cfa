"""``notebooks/quickstart.ipynb`` runs top to bottom in a fresh kernel and shows what it promises.

The kernel is a kernelspec installed into the test's temporary folder for the
interpreter running the tests, so an unrelated ``python3`` kernel on the machine
cannot be picked up. The kernel's ``TMPDIR`` is the test folder, so the
notebook's throw-away work folder is cleaned up with it.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip('nbformat')
nbclient = pytest.importorskip('nbclient')
kernelspec = pytest.importorskip('ipykernel.kernelspec')
pytest.importorskip('sklearn')  # the digits live in scikit-learn (the `examples` extra)

NOTEBOOK = Path(__file__).resolve().parents[2] / 'notebooks' / 'quickstart.ipynb'
KERNEL_NAME = 'mmlightning-quickstart-test'


def _text(outputs: list) -> str:
    """The stream and plain-text outputs of cells, joined."""
    parts = []
    for output in outputs:
        if output.get('output_type') == 'stream':
            parts.append(output['text'])
        elif 'data' in output and 'text/plain' in output['data']:
            parts.append(output['data']['text/plain'])
    return '\n'.join(parts)


@pytest.fixture(scope='module')
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The notebook executed once (plus a cell printing the kernel's interpreter)."""
    tmp_path = tmp_path_factory.mktemp('quickstart')
    prefix = tmp_path / 'kernel'
    run_tmp = tmp_path / 'tmp'
    run_tmp.mkdir()
    env = {'JUPYTER_PATH': str(prefix / 'share' / 'jupyter'), 'TMPDIR': str(run_tmp)}
    saved = {key: os.environ.get(key) for key in env}
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('import sys\nprint(sys.executable)'))
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=300,
                                     resources={'metadata': {'path': str(NOTEBOOK.parent)}})
    os.environ.update(env)
    try:
        kernelspec.install(kernel_name=KERNEL_NAME, prefix=str(prefix))
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb, run_tmp


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == 'code']
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert nb.metadata['kernelspec']['name'] == 'python3'


def test_runs_in_this_interpreter_without_errors(executed: tuple) -> None:
    nb, _ = executed
    outputs = [output for cell in nb.cells if cell.cell_type == 'code' for output in cell.outputs]
    assert not [output for output in outputs if output['output_type'] == 'error']
    executable = _text(nb.cells[-1].outputs).strip()
    assert os.path.samefile(executable, sys.executable)


def test_explain_names_the_base_file_and_the_override(executed: tuple) -> None:
    nb, _ = executed
    text = '\n'.join(_text(cell.outputs) for cell in nb.cells
                     if cell.cell_type == 'code' and 'cfg.explain(' in cell.source)
    assert re.search(r'overridden .*adamw_6e\.py:\d+ +optim_wrapper\.optimizer\.lr = 0\.003', text)
    assert re.search(r'in effect +quickstart\.ipynb +optim_wrapper\.optimizer\.lr = 0\.005', text)


def test_trains_into_the_temporary_work_dir(executed: tuple) -> None:
    _, run_tmp = executed
    work_dirs = list(run_tmp.glob('mmlightning_quickstart_*'))
    assert len(work_dirs) == 1
    assert list(work_dirs[0].glob('best_accuracy_top1_epoch_*.ckpt'))
    assert list(work_dirs[0].glob('*/vis_data/scalars.json'))


def test_reports_test_accuracy_and_draws_curves_and_predictions(executed: tuple) -> None:
    nb, _ = executed
    text = '\n'.join(_text(cell.outputs) for cell in nb.cells if cell.cell_type == 'code')
    accuracy = re.search(r'test accuracy: (\d\.\d+)', text)
    assert accuracy is not None and float(accuracy.group(1)) > 0.9
    predicted = re.search(r'predicted: \[([\d, ]+)\]', text)
    truth = re.search(r'true: +\[([\d, ]+)\]', text)
    assert predicted is not None and truth is not None
    pairs = list(zip(predicted.group(1).split(', '), truth.group(1).split(', ')))
    assert len(pairs) == 10 and sum(p == t for p, t in pairs) >= 8
    images = [cell for cell in nb.cells if cell.cell_type == 'code'
              and any('image/png' in output.get('data', {}) for output in cell.outputs)]
    sources = [cell.source for cell in images]
    assert any('plt.show()' in source for source in sources)
    assert any('visualizer.show()' in source for source in sources)
