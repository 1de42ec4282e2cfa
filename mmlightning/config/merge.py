"""Merging a child config into its base (MMEngine's ``_merge_a_into_b``), errors saying where."""
from __future__ import annotations

from typing import Any

from .config_dict import DELETE_KEY
from .errors import ConfigMergeError


def _join(path: str, key: Any) -> str:
    return f'{path}.{key}' if path else str(key)


def merge_a_into_b(a: dict, b: Any, allow_list_keys: bool = False, source: str = '<dict>',
                   path: str = '') -> Any:
    """Return ``b`` updated by ``a``, recursively, without changing either.

    Dicts merge key by key; any other value (lists included) replaces the
    base value whole. A child dict with ``_delete_=True`` replaces the base
    dict instead of merging into it. With ``allow_list_keys``, digit keys
    (``'0'``) index into a base list.

    Args:
        a: The child (overriding) dict.
        b: The base dict (or list, with ``allow_list_keys``).
        allow_list_keys: Whether digit keys index into lists.
        source: Where ``a`` comes from (a file name), for error messages.
        path: Dotted key path of ``a`` in the whole config.

    Raises:
        ConfigMergeError: If a child dict meets a non-dict base value without
            ``_delete_=True``, ``_delete_`` is not a bool, or ``_delete_`` has
            nothing to delete.
        KeyError: If a list index is out of range.
    """
    b = list(b) if isinstance(b, list) else dict(dict.items(b))
    for key, value in dict.items(a) if isinstance(a, dict) else a.items():
        key_path = _join(path, key)
        if allow_list_keys and isinstance(key, str) and key.isdigit() and isinstance(b, list):
            index = int(key)
            if index >= len(b):
                raise KeyError(f'{key_path}: index {index} is out of range for a list of '
                               f'{len(b)} items (from {source})')
            b[index] = merge_a_into_b(value, b[index], allow_list_keys, source, key_path) \
                if isinstance(value, dict) else value
        elif isinstance(value, dict):
            b[key] = _merge_dict_value(value, b, key, allow_list_keys, source, key_path)
        else:
            b[key] = value
    return b


def _merge_dict_value(value: dict, b: dict, key: Any, allow_list_keys: bool, source: str,
                      key_path: str) -> Any:
    delete = value.get(DELETE_KEY, False) if isinstance(value, dict) else False
    if not isinstance(delete, bool):
        raise ConfigMergeError(f'{key_path}._delete_ in {source} must be True or False, '
                               f'got {delete!r}')
    value = {k: v for k, v in dict.items(value) if k != DELETE_KEY}
    if key not in b:
        if delete:
            raise ConfigMergeError(
                f'{key_path} in {source} sets _delete_=True, but no base config defines '
                f'{key_path}, so there is nothing to delete: remove _delete_ (or fix the key)')
        return _strip_delete(value, source, key_path)
    if delete:
        return _strip_delete(value, source, key_path)
    allowed = (dict, list) if allow_list_keys else dict
    if not isinstance(b[key], allowed):
        raise ConfigMergeError(
            f'{key_path} is a dict in {source} but {type(b[key]).__name__} '
            f'({b[key]!r}) in its base, so it cannot be merged. Set {key_path}._delete_=True '
            'to replace the base value, or give a value of the base type.')
    return merge_a_into_b(value, b[key], allow_list_keys, source, key_path)


def _strip_delete(value: dict, source: str, path: str) -> dict:
    """``value`` with nested ``_delete_`` keys checked: they have no base to delete."""
    for key, item in dict.items(value):
        if isinstance(item, dict) and DELETE_KEY in item:
            raise ConfigMergeError(
                f'{_join(path, key)} in {source} sets _delete_, but no base config defines '
                f'{_join(path, key)}: remove _delete_ (or fix the key)')
        if isinstance(item, dict):
            _strip_delete(item, source, _join(path, key))
    return value
