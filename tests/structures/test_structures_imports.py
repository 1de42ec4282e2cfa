"""The structures package is engine-agnostic: importing it must not import Lightning."""
from __future__ import annotations

import subprocess
import sys


def test_import_does_not_pull_in_lightning():
    code = ('import sys, mmlightning.structures as s; '
            "assert s.__all__ == ['BaseDataElement', 'InstanceData', 'LabelData', 'PixelData']; "
            "leaked = [m for m in sys.modules if m.split('.')[0] in ('lightning', "
            "'pytorch_lightning', 'mmengine')]; "
            'assert not leaked, leaked')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
