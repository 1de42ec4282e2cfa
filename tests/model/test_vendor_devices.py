"""mlu/npu-style moves, in a subprocess: naming a fake backend changes torch globally."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import types
    import torch
    from torch import nn
    from mmlightning.model import BaseDataPreprocessor, BaseModel

    torch.utils.rename_privateuse1_backend('mlu')
    torch.mlu = types.SimpleNamespace(current_device=lambda: 3)
    nn.Module.mlu = lambda self, device=None: self  # what torch_mlu would add

    class Model(BaseModel):
        def forward(self, inputs, data_samples=None, mode='tensor'):
            return inputs

    model = Model()
    assert model.mlu() is model
    assert model.data_preprocessor.device == torch.device('mlu', 3), model.data_preprocessor.device
    pre = BaseDataPreprocessor()
    assert pre.mlu() is pre and pre.device == torch.device('mlu', 3)
    print('ok')
''')


def test_mlu_moves_keep_preprocessor_device():
    result = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'
