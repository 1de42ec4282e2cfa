"""``Config``: a config file (and its ``_base_`` chain) as a dict with attribute access."""
from __future__ import annotations

import copy
import difflib
import json
import os
import os.path as osp
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import yaml

from mmlightning.utils.suggestions import did_you_mean

from . import file_helpers
from .argparser import auto_argparser
from .config_dict import ConfigDict, _to_plain
from .errors import ConfigKeyError
from .lazy_loader import LazyLoader, is_lazy_import
from .loader import FileLoader, LoadedConfig, check_suffix
from .merge import merge_a_into_b
from .pretty import format_python
from .provenance import KeyExplanation, Origin, iter_leaves
from .substitution import substitute_base_vars

RESERVED_KEYS = ('filename', 'text', 'pretty_text', 'env_variables')


def _sort_keys(value: Any) -> Any:
    """``value`` with the keys of every dict in it sorted (by their ``str``)."""
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value, key=str)}
    if type(value) in (list, tuple):
        return type(value)(_sort_keys(v) for v in value)
    return value


class Config:
    """A config: the merged result of a file and its ``_base_`` chain.

    Keys read as attributes or items (``cfg.model.depth``, ``cfg['model']``).
    Beyond MMEngine, it records where every key came from (:meth:`explain`)
    and resolves ``${a.b}`` interpolations on access.

    Args:
        cfg_dict: The key/value pairs.
        cfg_text: Source text (defaults to the file's content).
        filename: File the config came from.
        env_variables: Environment variables substituted while reading.
        format_python_code: Kept for MMEngine compatibility; ``pretty_text``
            is always formatted (no yapf needed).

    Example::

        >>> cfg = Config(dict(model=dict(type='ResNet', depth=50)))
        >>> cfg.model.depth
        50
    """

    def __init__(self, cfg_dict: dict | None = None, cfg_text: str | None = None,
                 filename: str | Path | None = None, env_variables: dict | None = None,
                 format_python_code: bool = True) -> None:
        if cfg_dict is None:
            cfg_dict = {}
        if not isinstance(cfg_dict, dict):
            raise TypeError(f'cfg_dict must be a dict, got {type(cfg_dict).__name__}')
        for key in cfg_dict:
            if key in RESERVED_KEYS:
                raise ConfigKeyError(
                    f'{key} is reserved for config file{" " + str(filename) if filename else ""}'
                    f': it is a Config property and cannot be a top-level key; rename it '
                    f'(reserved: {", ".join(RESERVED_KEYS)})')
        filename = str(filename) if filename is not None else None
        if cfg_text:
            text = cfg_text
        elif filename and osp.isfile(filename):
            with open(filename, encoding='utf-8') as f:
                text = f.read()
        else:
            text = ''
        root = cfg_dict if isinstance(cfg_dict, ConfigDict) else ConfigDict(cfg_dict)
        super().__setattr__('_cfg_dict', root)
        super().__setattr__('_filename', filename)
        super().__setattr__('_text', text)
        super().__setattr__('_env_variables', dict(env_variables or {}))
        super().__setattr__('_format_python_code', format_python_code)
        super().__setattr__('_provenance', {})
        super().__setattr__('_imported_names', set())

    # ---------------------------------------------------------- reading
    @staticmethod
    def fromfile(filename: str | Path, use_predefined_variables: bool = True,
                 import_custom_modules: bool = True, use_environment_variables: bool = True,
                 lazy_import: bool | None = None, format_python_code: bool = True) -> Config:
        """Read a ``.py``, ``.yaml``/``.yml`` or ``.json`` config with its bases.

        Args:
            filename: The config file.
            use_predefined_variables: Substitute ``{{ fileDirname }}`` and friends.
            import_custom_modules: Import the modules listed in ``custom_imports``.
            use_environment_variables: Substitute ``{{$NAME:default}}``.
            lazy_import: Read as a pure-Python config (``with read_base()``);
                ``None`` decides from the file's content.
            format_python_code: Kept for MMEngine compatibility.

        Raises:
            FileNotFoundError: If the file or one of its bases is missing.
            SyntaxError: If a ``.py`` config does not parse (names file:line).
            ConfigParsingError: On a cyclic ``_base_`` or a malformed file.
            ConfigKeyError: On a bad ``{{_base_.x}}`` or a key set by two sibling bases.
            ConfigMergeError: If a child dict cannot merge into its base value.
        """
        filename = osp.abspath(osp.expanduser(str(filename)))
        if not osp.isfile(filename):
            folder = osp.dirname(filename)
            nearby = os.listdir(folder) if osp.isdir(folder) else []
            raise FileNotFoundError(f'config file not found: {filename}.'
                                    f'{did_you_mean(osp.basename(filename), nearby)}')
        suffix = check_suffix(filename)
        if lazy_import is None:
            lazy_import = suffix == '.py' and _looks_lazy(filename)
        if lazy_import:
            loaded = LazyLoader().load(filename)
        else:
            loaded = FileLoader(use_predefined_variables, use_environment_variables).load(
                filename)
        if import_custom_modules and loaded.cfg.get('custom_imports'):
            _import_custom_modules(loaded.cfg['custom_imports'], filename)
        return Config._from_loaded(loaded, filename, format_python_code)

    @staticmethod
    def _file2dict(filename: str | Path, use_predefined_variables: bool = True,
                   use_environment_variables: bool = True,
                   lazy_import: bool | None = None) -> tuple[ConfigDict, str, dict[str, str]]:
        """MMEngine's reading step: the merged dict, the text and the environment variables."""
        filename = osp.abspath(osp.expanduser(str(filename)))
        if lazy_import is None:
            lazy_import = check_suffix(filename) == '.py' and _looks_lazy(filename)
        loaded = LazyLoader().load(filename) if lazy_import else FileLoader(
            use_predefined_variables, use_environment_variables).load(filename)
        return ConfigDict(loaded.cfg), loaded.text, loaded.env_variables

    auto_argparser = staticmethod(auto_argparser)
    _validate_py_syntax = staticmethod(file_helpers.validate_py_syntax)
    _substitute_predefined_vars = staticmethod(file_helpers.substitute_predefined_vars_file)
    _substitute_env_variables = staticmethod(file_helpers.substitute_env_variables_file)
    _pre_substitute_base_vars = staticmethod(file_helpers.pre_substitute_base_vars_file)
    _get_cfg_path = staticmethod(file_helpers.get_cfg_path)
    _dict_to_config_dict = staticmethod(file_helpers.dict_to_config_dict)

    @staticmethod
    def _substitute_base_vars(cfg: Any, base_var_dict: dict[str, str], base_cfg: dict) -> Any:
        """Swap the placeholders of :meth:`_pre_substitute_base_vars` for values of ``base_cfg``."""
        return substitute_base_vars(cfg, base_var_dict, base_cfg, '<config>')

    @staticmethod
    def _from_loaded(loaded: LoadedConfig, filename: str, format_python_code: bool) -> Config:
        cfg = Config(loaded.cfg, cfg_text=loaded.text, filename=filename,
                     env_variables=loaded.env_variables, format_python_code=format_python_code)
        object.__setattr__(cfg, '_provenance', loaded.provenance)
        object.__setattr__(cfg, '_imported_names', set(loaded.imported_names))
        return cfg

    @staticmethod
    def fromstring(cfg_str: str, file_format: str) -> Config:
        """Read a config from text in ``file_format`` (``'.py'``, ``'.yaml'``, ``'.json'``...).

        As in MMEngine the text is written to a temporary file first, so
        relative ``_base_`` paths and ``{{ fileDirname }}`` refer to that file.
        """
        if file_format not in ('.py', '.json', '.yaml', '.yml'):
            raise OSError(f"file_format must be '.py', '.json', '.yaml' or '.yml', "
                          f'got {file_format!r}')
        if file_format != '.py' and 'dict(' in cfg_str:
            warnings.warn('the text contains "dict(": is file_format ".py"?', stacklevel=2)
        with tempfile.NamedTemporaryFile('w', encoding='utf-8', suffix=file_format,
                                         delete=False) as temp:
            temp.write(cfg_str)
        try:
            return Config.fromfile(temp.name)
        finally:
            os.remove(temp.name)

    # -------------------------------------------------------- properties
    @property
    def filename(self) -> str | None:
        """The file this config was read from."""
        return self._filename

    @property
    def text(self) -> str:
        """Texts of every file read, bases first, each headed by its path."""
        return self._text

    @property
    def env_variables(self) -> dict[str, str]:
        """Environment variables substituted while reading."""
        return self._env_variables

    @property
    def pretty_text(self) -> str:
        """The config as Python source; reading it back gives an equal config."""
        return format_python(self._to_raw_dict())

    # -------------------------------------------------------- provenance
    def explain(self, key: str) -> KeyExplanation:
        """Where the value of ``key`` (dotted, e.g. ``'optim_wrapper.optimizer.lr'``) came from.

        For a dict-valued key, the origins of every leaf below it are listed. A
        value changed in code after loading (``cfg.a.b = 1``) is listed as set
        ``'<after loading>'``.

        Raises:
            ConfigKeyError: If the key is not in the config.
        """
        value = self._get_path(key)
        leaves = dict(iter_leaves(value, key)) if isinstance(value, dict) and value else \
            {key: value}
        origins = []
        for path, leaf in leaves.items():
            history = self._provenance.get(path, [])
            origins.extend(history)
            if not history or not _same_value(history[-1].value, leaf):
                origins.append(Origin(path, '<after loading>', None, leaf))
        return KeyExplanation(key, value, origins)

    def _get_path(self, key: str) -> Any:
        node: Any = self._cfg_dict
        for part in key.split('.'):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                candidates = [path for path, _ in iter_leaves(self._cfg_dict)]
                hint = did_you_mean(key, candidates)
                raise ConfigKeyError(f"'{key}' is not in the config.{hint}")
        return node

    # ---------------------------------------------------------- changing
    def merge_from_dict(self, options: dict, allow_list_keys: bool = True,
                        source: str = '<merge_from_dict>') -> None:
        """Merge dotted-key options, e.g. from ``--cfg-options``.

        Args:
            options: ``{'model.backbone.depth': 50, 'pipeline.0.type': 'Load'}``.
            allow_list_keys: Let digit keys index into lists.
            source: Label recorded as the origin of these values.

        Raises:
            KeyError: If a list index is out of range.
            ConfigMergeError: If a value cannot merge into the existing one.
        """
        nested: dict = {}
        for full_key, value in options.items():
            node = nested
            *parents, leaf = full_key.split('.')
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        merged = merge_a_into_b(nested, self._cfg_dict, allow_list_keys=allow_list_keys,
                                source=source)
        super().__setattr__('_cfg_dict', ConfigDict(merged))
        live = {path for path, _ in iter_leaves(self._cfg_dict)}
        for full_key in options:
            leaf = full_key
            while leaf and leaf not in live:
                leaf = leaf.rpartition('.')[0]
            if leaf:
                self._provenance.setdefault(leaf, []).append(
                    Origin(leaf, source, None, self._get_path(leaf)))

    def dump(self, file: str | Path | None = None) -> str | None:
        """Write the config to ``file`` (format from its suffix), or return it as text.

        Without ``file``, returns Python text (or YAML/JSON when the config came
        from such a file). Files are written atomically.
        """
        if file is None:
            if self.filename is None or self.filename.endswith('.py'):
                return self.pretty_text
            return _serialize(self.to_dict(), osp.splitext(self.filename)[1])
        file = str(file)
        suffix = check_suffix(file)
        text = self.pretty_text if suffix == '.py' else _serialize(self.to_dict(), suffix)
        _write_atomic(file, text)
        return None

    @staticmethod
    def diff(cfg1: str | Config, cfg2: str | Config) -> str:
        """Unified diff of two configs' Python text, laid out as MMEngine prints it.

        Keys are compared sorted (as in MMEngine's ``pretty_text``), so two configs
        that differ only in the order of their keys have an empty diff.
        """
        texts = [format_python(_sort_keys(
            (Config.fromfile(c) if isinstance(c, str) else c)._to_raw_dict())).split('\n')
                 for c in (cfg1, cfg2)]
        return ''.join(line + '\n' for line in difflib.unified_diff(*texts)) + '\n'


    # ------------------------------------------------------- conversion
    def to_dict(self, keep_imported: bool = False) -> dict:
        """A plain ``dict`` copy; lazy imports as dotted strings, interpolations resolved."""
        result = self._cfg_dict.to_dict()
        return result if keep_imported else {
            k: v for k, v in result.items() if k not in self._imported_names}

    def _to_lazy_dict(self, keep_imported: bool = False) -> dict:
        result = self._cfg_dict._to_lazy_dict()
        return result if keep_imported else {
            k: v for k, v in result.items() if k not in self._imported_names}

    def _to_raw_dict(self) -> dict:
        """Plain dicts with interpolations kept as written, for ``pretty_text``."""
        result = _to_plain(self._cfg_dict, raw=True)
        return {k: v for k, v in result.items() if k not in self._imported_names}

    # ---------------------------------------------------- dict interface
    def __getattr__(self, name: str) -> Any:
        return getattr(self._cfg_dict, name)

    def __getitem__(self, name: Any) -> Any:
        return self._cfg_dict[name]

    def __setattr__(self, name: str, value: Any) -> None:
        self._cfg_dict[name] = value

    def __setitem__(self, name: Any, value: Any) -> None:
        self._cfg_dict[name] = value

    def __delattr__(self, name: str) -> None:
        delattr(self._cfg_dict, name)

    def __delitem__(self, name: Any) -> None:
        del self._cfg_dict[name]

    def __iter__(self):  # noqa: ANN204
        return iter(self._cfg_dict)

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __contains__(self, key: Any) -> bool:
        return key in self._cfg_dict

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self.to_dict() == other.to_dict()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f'Config (path: {self.filename}): {self._cfg_dict!r}'

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(k for k in self._cfg_dict if isinstance(k, str))]

    def __getstate__(self) -> tuple:
        return (self._cfg_dict, self._filename, self._text, self._env_variables,
                self._format_python_code, self._provenance, self._imported_names)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(('_cfg_dict', '_filename', '_text', '_env_variables',
                                '_format_python_code', '_provenance', '_imported_names'), state):
            super().__setattr__(name, value)

    def __copy__(self) -> Config:
        other = self.__class__.__new__(self.__class__)
        other.__setstate__(self.__getstate__())
        return other

    copy = __copy__

    def __deepcopy__(self, memo: dict) -> Config:
        other = self.__class__.__new__(self.__class__)
        memo[id(self)] = other
        other.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return other


def _same_value(recorded: Any, current: Any) -> bool:
    try:
        return bool(recorded == current)
    except Exception:  # values whose == is not a bool (arrays)
        return recorded is current


def _looks_lazy(filename: str) -> bool:
    """Whether a ``.py`` config is pure-Python style; unparsable text (``{{...}}``) is not."""
    with open(filename, encoding='utf-8') as f:
        text = f.read()
    try:
        return is_lazy_import(text, filename)
    except SyntaxError:
        return False


def _import_custom_modules(custom_imports: Any, filename: str) -> None:
    from mmlightning.utils import import_modules_from_strings

    try:
        import_modules_from_strings(**custom_imports)
    except ImportError as error:
        paths = '\n    '.join(sys.path)
        raise ImportError(f'Failed to import custom modules from {dict(custom_imports)} '
                          f'(custom_imports of {filename}): {error}. sys.path is:\n    '
                          f'{paths}\nSet PYTHONPATH so that it contains the folder of your '
                          'custom modules.') from error


def _yaml_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _yaml_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_ready(v) for v in value]
    if isinstance(value, type) or callable(value):
        return f'{value.__module__}.{value.__qualname__}'
    return value


def _serialize(cfg: dict, suffix: str) -> str:
    if suffix == '.json':
        return json.dumps(_yaml_ready(cfg), indent=4)
    return yaml.safe_dump(_yaml_ready(cfg), sort_keys=False, default_flow_style=False)


def _write_atomic(path: str, text: str) -> None:
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        if osp.exists(temp):
            os.remove(temp)
        raise
