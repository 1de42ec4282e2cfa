"""MMEngine's file helpers (``mmengine.fileio``) on fsspec: local paths and any URL fsspec knows.

``backend_args`` / ``file_client_args`` are accepted for signature compatibility; only
``backend_args=dict(storage_options={...})`` has an effect (fsspec filesystem arguments).
"""
from mmlightning.fileio.handlers import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    register_handler,
)
from mmlightning.fileio.io import (
    copyfile,
    copytree,
    exists,
    get,
    get_local_path,
    get_text,
    isdir,
    isfile,
    join_path,
    list_dir_or_file,
    put,
    put_text,
    remove,
    replace,
    rmtree,
)
from mmlightning.fileio.serialize import dump, load

__all__ = [
    'BaseFileHandler', 'JsonHandler', 'PickleHandler', 'YamlHandler', 'copyfile', 'copytree',
    'dump', 'exists', 'get', 'get_local_path', 'get_text', 'isdir', 'isfile', 'join_path',
    'list_dir_or_file', 'load', 'put', 'put_text', 'register_handler', 'remove', 'replace', 'rmtree'
]
