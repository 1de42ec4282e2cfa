"""MMEngine's file helpers (``mmengine.fileio``): storage backends, unified I/O, load/dump.

Local paths, http(s), Petrel, LMDB and memcached use MMEngine's backends; every other URL
fsspec knows (``memory://``, ``s3://`` without ``petrel_client``, ``gs://``...) uses
:class:`~mmlightning.fileio.backends.FsspecBackend`, with
``backend_args=dict(storage_options={...})`` as the fsspec filesystem's arguments.
"""
from mmlightning.fileio.backends import (
    BaseStorageBackend,
    FsspecBackend,
    HTTPBackend,
    LmdbBackend,
    LocalBackend,
    MemcachedBackend,
    PetrelBackend,
    register_backend,
)
from mmlightning.fileio.file_client import FileClient, HardDiskBackend
from mmlightning.fileio.handlers import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    register_handler,
)
from mmlightning.fileio.io import (
    copy_if_symlink_fails,
    copyfile,
    copyfile_from_local,
    copyfile_to_local,
    copytree,
    copytree_from_local,
    copytree_to_local,
    exists,
    generate_presigned_url,
    get,
    get_file_backend,
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
from mmlightning.fileio.parse import dict_from_file, list_from_file
from mmlightning.fileio.serialize import dump, load

__all__ = [
    'BaseFileHandler', 'BaseStorageBackend', 'FileClient', 'FsspecBackend', 'HTTPBackend',
    'HardDiskBackend', 'JsonHandler', 'LmdbBackend', 'LocalBackend', 'MemcachedBackend',
    'PetrelBackend', 'PickleHandler', 'YamlHandler', 'copy_if_symlink_fails', 'copyfile',
    'copyfile_from_local', 'copyfile_to_local', 'copytree', 'copytree_from_local',
    'copytree_to_local', 'dict_from_file', 'dump', 'exists', 'generate_presigned_url', 'get',
    'get_file_backend', 'get_local_path', 'get_text', 'isdir', 'isfile', 'join_path',
    'list_dir_or_file', 'list_from_file', 'load', 'put', 'put_text', 'register_backend',
    'register_handler', 'remove', 'replace', 'rmtree'
]
