"""``import mmlightning.utils`` stays light: no torch, no rich."""
from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_torch_or_rich():
    code = ('import sys, mmlightning.utils; '
            "print(sorted(m for m in ('torch', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]'


def test_public_names_match_mmengine_utils():
    import mmlightning.utils as utils
    import mmlightning.utils.dl_utils as dl_utils

    mmengine_utils_all = {
        'is_str', 'iter_cast', 'list_cast', 'tuple_cast', 'is_seq_of', 'is_list_of',
        'is_tuple_of', 'slice_list', 'concat_list', 'check_prerequisites', 'requires_package',
        'requires_executable', 'is_filepath', 'fopen', 'check_file_exist', 'mkdir_or_exist',
        'symlink', 'scandir', 'deprecated_api_warning', 'import_modules_from_strings',
        'to_1tuple', 'to_2tuple', 'to_3tuple', 'to_4tuple', 'to_ntuple', 'is_installed',
        'call_command', 'get_installed_path', 'install_package', 'is_abs',
        'is_method_overridden', 'has_method', 'digit_version', 'get_git_hash', 'ManagerMeta',
        'ManagerMixin', 'Timer', 'check_time', 'TimerError', 'ProgressBar',
        'track_iter_progress', 'track_parallel_progress', 'track_progress',
        'deprecated_function', 'apply_to', 'track_progress_rich', 'get_object_from_string'}
    assert mmengine_utils_all <= set(utils.__all__)
    assert all(hasattr(utils, name) for name in utils.__all__)
    assert set(dl_utils.__all__) == {
        'TORCH_VERSION', 'set_multi_processing', 'has_batch_norm', 'is_norm', 'tensor2imgs',
        'mmcv_full_available', 'collect_env', 'torch_meshgrid', 'is_jit_tracing', 'TimeCounter'}
    assert all(hasattr(dl_utils, name) for name in dl_utils.__all__)
