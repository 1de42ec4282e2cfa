"""mmlightning: MMEngine-style training on the PyTorch Lightning Trainer.

As ``mmengine/__init__.py`` does, the top level re-exports the public names of ``config``,
``fileio``, ``logging``, ``registry`` and ``utils`` (``from mmlightning import Config`` works). The
names load lazily: ``import mmlightning`` imports none of the subpackages (and so not torch); the
first use of a name imports the one subpackage that defines it.
"""
from __future__ import annotations

import importlib
from typing import Any

from .version import __version__, version_info

# Subpackage -> the names it exports at the top level. When two subpackages export one name, the
# later one in MMEngine's star-import order (config, fileio, logging, registry, utils) wins, as it
# does in MMEngine. tests/porting/test_top_level_exports.py keeps this table equal to their __all__.
_EXPORTS: dict[str, tuple[str, ...]] = {
    'config': (
        'Config', 'ConfigDict', 'ConfigKeyError', 'ConfigMergeError', 'ConfigParsingError',
        'DictAction', 'KeyExplanation', 'LazyAttr', 'LazyObject', 'Origin', 'read_base',
    ),
    'fileio': (
        'BaseFileHandler', 'BaseStorageBackend', 'FileClient', 'FsspecBackend', 'HTTPBackend',
        'HardDiskBackend', 'JsonHandler', 'LmdbBackend', 'LocalBackend', 'MemcachedBackend',
        'PetrelBackend', 'PickleHandler', 'YamlHandler', 'copy_if_symlink_fails', 'copyfile',
        'copyfile_from_local', 'copyfile_to_local', 'copytree', 'copytree_from_local',
        'copytree_to_local', 'dict_from_file', 'dump', 'exists', 'generate_presigned_url', 'get',
        'get_file_backend', 'get_local_path', 'get_text', 'isdir', 'isfile', 'join_path',
        'list_dir_or_file', 'list_from_file', 'load', 'put', 'put_text', 'register_backend',
        'register_handler', 'remove', 'replace', 'rmtree',
    ),
    'logging': (
        'HistoryBuffer', 'LogProcessor', 'MMLogger', 'MessageHub', 'print_log',
    ),
    'registry': (
        'COLLATE_FUNCTIONS', 'DATASETS', 'DATA_SAMPLERS', 'DefaultScope', 'EVALUATOR', 'FUNCTIONS',
        'HOOKS', 'INFERENCERS', 'LOG_PROCESSORS', 'LOOPS', 'METRICS', 'MODELS', 'MODEL_WRAPPERS',
        'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
        'RUNNERS', 'RUNNER_CONSTRUCTORS', 'Registry', 'STRATEGIES', 'TASK_UTILS', 'TRANSFORMS',
        'VISBACKENDS', 'VISUALIZERS', 'WEIGHT_INITIALIZERS', 'build_from_cfg',
        'build_model_from_cfg', 'build_optimizer_from_cfg', 'build_runner_from_cfg',
        'build_scheduler_from_cfg', 'count_registered_modules', 'init_default_scope',
        'traverse_registry_tree',
    ),
    'utils': (
        'ManagerMeta', 'ManagerMixin', 'ProgressBar', 'Timer', 'TimerError', 'apply_to',
        'call_command', 'check_file_exist', 'check_prerequisites', 'check_time', 'concat_list',
        'deprecated_api_warning', 'deprecated_function', 'digit_version', 'find_vcs_root', 'fopen',
        'get_git_hash', 'get_installed_path', 'get_object_from_string', 'has_method',
        'import_modules_from_strings', 'install_package', 'is_abs', 'is_filepath', 'is_installed',
        'is_list_of', 'is_method_overridden', 'is_seq_of', 'is_str', 'is_tuple_of', 'iter_cast',
        'list_cast', 'mkdir_or_exist', 'package2module', 'requires_executable', 'requires_package',
        'scandir', 'slice_list', 'symlink', 'to_1tuple', 'to_2tuple', 'to_3tuple', 'to_4tuple',
        'to_ntuple', 'track_iter_progress', 'track_parallel_progress', 'track_progress',
        'track_progress_rich', 'tuple_cast',
    ),
}
_SUBPACKAGES = tuple(_EXPORTS)
_NAME_TO_SUBPACKAGE = {name: sub for sub, names in _EXPORTS.items() for name in names}

__all__ = ['__version__', 'version_info', *_NAME_TO_SUBPACKAGE]


def __getattr__(name: str) -> Any:
    subpackage = _NAME_TO_SUBPACKAGE.get(name)
    if subpackage is None:
        if name in _SUBPACKAGES:
            return importlib.import_module(f'{__name__}.{name}')
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(f'{__name__}.{subpackage}'), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
