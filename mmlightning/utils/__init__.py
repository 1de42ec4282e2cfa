"""General helpers with no engine knowledge (mirrors ``mmengine.utils``).

Importing this package does not import torch; the torch helpers live in
:mod:`mmlightning.utils.dl_utils`.
"""
from .decorators import (
    check_prerequisites,
    deprecated_api_warning,
    deprecated_function,
    requires_executable,
    requires_package,
)
from .manager import ManagerMeta, ManagerMixin
from .misc import (
    apply_to,
    concat_list,
    get_object_from_string,
    has_method,
    import_modules_from_strings,
    is_list_of,
    is_method_overridden,
    is_seq_of,
    is_str,
    is_tuple_of,
    iter_cast,
    list_cast,
    slice_list,
    to_1tuple,
    to_2tuple,
    to_3tuple,
    to_4tuple,
    to_ntuple,
    tuple_cast,
)
from .package_utils import (
    call_command,
    get_installed_path,
    install_package,
    is_installed,
    package2module,
)
from .path import (
    check_file_exist,
    find_vcs_root,
    fopen,
    is_abs,
    is_filepath,
    mkdir_or_exist,
    scandir,
    symlink,
)
from .progressbar import ProgressBar, track_iter_progress, track_parallel_progress, track_progress
from .progressbar_rich import track_progress_rich
from .timer import Timer, TimerError, check_time
from .version_utils import digit_version, get_git_hash

__all__ = [
    'is_str', 'iter_cast', 'list_cast', 'tuple_cast', 'is_seq_of', 'is_list_of', 'is_tuple_of',
    'slice_list', 'concat_list', 'check_prerequisites', 'requires_package',
    'requires_executable', 'is_filepath', 'fopen', 'check_file_exist', 'mkdir_or_exist',
    'symlink', 'scandir', 'find_vcs_root', 'deprecated_api_warning',
    'import_modules_from_strings', 'to_1tuple', 'to_2tuple', 'to_3tuple', 'to_4tuple',
    'to_ntuple', 'is_installed', 'call_command', 'get_installed_path', 'install_package',
    'package2module', 'is_abs', 'is_method_overridden', 'has_method', 'digit_version',
    'get_git_hash', 'ManagerMeta', 'ManagerMixin', 'Timer', 'check_time', 'TimerError',
    'ProgressBar', 'track_iter_progress', 'track_parallel_progress', 'track_progress',
    'deprecated_function', 'apply_to', 'track_progress_rich', 'get_object_from_string'
]
