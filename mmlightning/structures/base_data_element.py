"""``BaseDataElement``: the dict- and tensor-like container that samples and predictions use."""
from __future__ import annotations

import copy
import reprlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..utils.errors import ReadableKeyError
from ..utils.suggestions import did_you_mean
from ._errors import StructureTypeError, StructureValueError
from ._field_set import FieldSet
from ._repr import dump_fields, indent

if TYPE_CHECKING:
    from typing_extensions import Self

#: Attributes holding the field bookkeeping; set once in ``__init__`` and never replaced.
PRIVATE_ATTRS = ('_metainfo_fields', '_data_fields')
_FIELD_TYPES = ('metainfo', 'data')


class BaseDataElement:
    """A container whose attributes are split into *metainfo* and *data* fields.

    ``metainfo`` holds information about the sample (``img_shape``, ``scale_factor``, file
    names); it is set with :meth:`set_metainfo`, which deep-copies the values. ``data`` holds
    annotations or predictions; it is set by attribute assignment, :meth:`set_data` or
    :meth:`set_field`. A name belongs to one of the two at most.

    Both are read as attributes (``element.img_shape``) and through dict-like methods:
    ``keys``/``values``/``items`` (data), ``metainfo_keys``/``metainfo_values``/
    ``metainfo_items``, ``all_keys``/``all_values``/``all_items`` (metainfo then data), ``get``,
    ``pop``, ``in`` and ``del``. The tensor-like methods (``to``, ``cpu``, ``cuda``, ``detach``,
    ``numpy``, ``to_tensor``, ...) return a new element with every tensor data field converted,
    recursing into nested elements. Fields keep the order they were first set in.

    Subclasses (``XXDataSample``) typically expose typed fields as properties whose setter calls
    ``self.set_field(value, '_name', dtype=SomeElement)``; ``keys()`` then lists ``name`` and
    hides ``_name``.

    Args:
        metainfo (Mapping, optional): Meta information, e.g. ``dict(img_shape=(512, 512))``.
            Defaults to None.
        **kwargs: Data fields, e.g. ``bboxes=torch.rand(5, 4)``.

    Examples:
        >>> element = BaseDataElement(metainfo=dict(img_id=0), scores=torch.ones(2))
        >>> element.metainfo_keys(), element.keys()
        (['img_id'], ['scores'])
        >>> 'img_id' in element and 'scores' in element
        True
    """

    def __init__(self, *, metainfo: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self._metainfo_fields: FieldSet = FieldSet()
        self._data_fields: FieldSet = FieldSet()
        if metainfo is not None:
            self.set_metainfo(metainfo)
        if kwargs:
            self.set_data(kwargs)

    # ------------------------------------------------------------------ setting fields
    def set_metainfo(self, metainfo: Mapping[str, Any]) -> None:
        """Set or change metainfo fields; the values are deep-copied.

        Args:
            metainfo (Mapping): Meta information such as ``img_shape``.

        Raises:
            TypeError: If ``metainfo`` is not a mapping (also an ``AssertionError``, as in
                MMEngine).
            AttributeError: If a name is already a data field.
        """
        _check_mapping(metainfo, 'metainfo', 'set_metainfo')
        for name, value in copy.deepcopy(dict(metainfo)).items():
            self.set_field(value, name, field_type='metainfo')

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Set or change data fields through ``setattr`` (so properties and checks apply).

        Args:
            data (Mapping): Annotations or predictions.

        Raises:
            TypeError: If ``data`` is not a mapping (also an ``AssertionError``).
            AttributeError: If a name is already a metainfo field.
        """
        _check_mapping(data, 'data', 'set_data')
        for name, value in data.items():
            setattr(self, name, value)

    def update(self, instance: BaseDataElement) -> None:
        """Copy the metainfo and data fields of another element into this one.

        Args:
            instance (BaseDataElement): The element to take fields from.

        Raises:
            TypeError: If ``instance`` is not a ``BaseDataElement`` (also an ``AssertionError``).
        """
        if not isinstance(instance, BaseDataElement):
            raise StructureTypeError(
                f'update() expects a BaseDataElement, but got {type(instance).__name__}. '
                'To update from a dict, use set_data(...) or set_metainfo(...).')
        self.set_metainfo(instance.metainfo)
        self.set_data(dict(instance.items()))

    def set_field(self, value: Any, name: str,
                  dtype: type | tuple[type, ...] | None = None,
                  field_type: str = 'data') -> None:
        """Set one field; used directly by property setters of subclasses.

        Args:
            value (Any): The value to store.
            name (str): The attribute name.
            dtype (type | tuple[type, ...], optional): If given, ``value`` must be an instance.
            field_type (str): ``'data'`` or ``'metainfo'``. Defaults to ``'data'``.

        Raises:
            ValueError: If ``field_type`` is unknown (also an ``AssertionError``).
            TypeError: If ``value`` is not an instance of ``dtype`` (also an ``AssertionError``).
            AttributeError: If ``name`` is already a field of the other kind.
        """
        if field_type not in _FIELD_TYPES:
            raise StructureValueError(
                f"field_type must be 'metainfo' or 'data', but got {field_type!r}.")
        if dtype is not None and not isinstance(value, dtype):
            raise StructureTypeError(
                f'{type(self).__name__}.{name} must be {_type_names(dtype)}, '
                f'but got {type(value).__name__}.')
        target, other = ((self._metainfo_fields, self._data_fields) if field_type == 'metainfo'
                         else (self._data_fields, self._metainfo_fields))
        if name in other:
            other_type = _FIELD_TYPES[1 - _FIELD_TYPES.index(field_type)]
            raise AttributeError(
                f'Cannot set {name} to be a field of {field_type} because {name} is already a '
                f'{other_type} field of this {type(self).__name__}. Delete it first '
                f'(del element.{name}) or use another name.')
        # Set the attribute before recording the name, so a failing property setter leaves
        # the field sets untouched.
        object.__setattr__(self, name, value)
        target.add(name)

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a data field (``element.name = value``)."""
        if name in PRIVATE_ATTRS:
            if name in self.__dict__:
                raise AttributeError(
                    f'{name} has been used as a private attribute, which is immutable: '
                    f'{type(self).__name__} keeps its field names there. Use another name.')
            object.__setattr__(self, name, value)
        else:
            self.set_field(value, name, field_type='data')

    def __getattr__(self, name: str) -> Any:
        """Called only when normal lookup fails: raise an ``AttributeError`` that suggests."""
        if name.startswith('__') or name in PRIVATE_ATTRS:
            raise AttributeError(name)
        fields = [field for attr in PRIVATE_ATTRS for field in self.__dict__.get(attr, ())]
        raise AttributeError(
            f"'{type(self).__name__}' object has no field '{name}'.{did_you_mean(name, fields)} "
            f'Fields: {fields}.')

    def __delattr__(self, name: str) -> None:
        """Delete a metainfo or data field (``del element.name``)."""
        if name in PRIVATE_ATTRS:
            raise AttributeError(
                f'{name} has been used as a private attribute, which is immutable: '
                f'{type(self).__name__} keeps its field names there.')
        try:
            object.__delattr__(self, name)
        except AttributeError:
            fields = self.all_keys()
            raise AttributeError(
                f"Cannot delete '{name}': {type(self).__name__} has no such field."
                f'{did_you_mean(name, fields)} Fields: {fields}.') from None
        self._metainfo_fields.discard(name)
        self._data_fields.discard(name)

    __delitem__ = __delattr__

    # ------------------------------------------------------------------ dict-like access
    def keys(self) -> list[str]:
        """Return the names of the data fields.

        A subclass property ``name`` stores its value as ``_name``; such private names are left
        out, and the property name is listed instead.

        Returns:
            list[str]: Data field names, in the order they were set.
        """
        cls = type(self)
        private = {'_' + name for name in self._data_fields
                   if isinstance(getattr(cls, name, None), property)}
        return [name for name in self._data_fields if name not in private]

    def metainfo_keys(self) -> list[str]:
        """Return the names of the metainfo fields."""
        return list(self._metainfo_fields)

    def values(self) -> list[Any]:
        """Return the values of the data fields, in the order of :meth:`keys`."""
        return [getattr(self, name) for name in self.keys()]

    def metainfo_values(self) -> list[Any]:
        """Return the values of the metainfo fields."""
        return [getattr(self, name) for name in self.metainfo_keys()]

    def all_keys(self) -> list[str]:
        """Return the metainfo field names followed by the data field names."""
        return self.metainfo_keys() + self.keys()

    def all_values(self) -> list[Any]:
        """Return the metainfo values followed by the data values."""
        return self.metainfo_values() + self.values()

    def items(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(name, value)`` for each data field."""
        for name in self.keys():
            yield name, getattr(self, name)

    def metainfo_items(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(name, value)`` for each metainfo field."""
        for name in self.metainfo_keys():
            yield name, getattr(self, name)

    def all_items(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(name, value)`` for each metainfo field, then each data field."""
        for name in self.all_keys():
            yield name, getattr(self, name)

    @property
    def metainfo(self) -> dict[str, Any]:
        """dict: The metainfo fields as a new dict."""
        return dict(self.metainfo_items())

    def get(self, key: str, default: Any = None) -> Any:
        """Return attribute ``key`` (field or property), or ``default`` if there is none."""
        return getattr(self, key, default)

    def pop(self, *args: Any) -> Any:
        """Remove a metainfo or data field and return its value, like ``dict.pop``.

        Args:
            *args: ``name`` and optionally ``default``, returned when ``name`` is no field.

        Returns:
            Any: The removed value, or ``default``.

        Raises:
            TypeError: If not called with one or two arguments (also an ``AssertionError``).
            KeyError: If ``name`` is no field and no default is given.
        """
        if not 1 <= len(args) <= 2:
            raise StructureTypeError(
                f'pop() takes a name and an optional default, but got {len(args)} arguments.')
        name = args[0]
        if name in self._metainfo_fields or name in self._data_fields:
            value = getattr(self, name)
            delattr(self, name)
            return value
        if len(args) == 2:
            return args[1]
        fields = self.all_keys()
        raise ReadableKeyError(
            f'{name} is not contained in metainfo or data of this {type(self).__name__}.'
            f'{did_you_mean(str(name), fields)} Fields: {fields}. '
            'Pass a default, e.g. pop(name, None), to allow missing fields.')

    def __contains__(self, item: str) -> bool:
        """Whether ``item`` is a metainfo or data field."""
        return item in self._data_fields or item in self._metainfo_fields

    # ------------------------------------------------------------------ copies
    def new(self, *, metainfo: Mapping[str, Any] | None = None, **kwargs: Any) -> Self:
        """Return an element of the same type.

        Args:
            metainfo (Mapping, optional): Metainfo of the new element; this element's metainfo
                when None.
            **kwargs: Data of the new element; this element's data (the same objects, not
                copies) when empty.

        Returns:
            BaseDataElement: The new element.
        """
        new_element = self.__class__()
        new_element.set_metainfo(self.metainfo if metainfo is None else metainfo)
        new_element.set_data(kwargs if kwargs else dict(self.items()))
        return new_element

    def clone(self) -> Self:
        """Return a copy: metainfo is deep-copied, data values are shared (as in MMEngine).

        Returns:
            BaseDataElement: The copy.
        """
        return self.new()

    def to_dict(self) -> dict[str, Any]:
        """Return all fields as a dict, converting nested elements recursively."""
        return {name: value.to_dict() if isinstance(value, BaseDataElement) else value
                for name, value in self.all_items()}

    # ------------------------------------------------------------------ tensor-like methods
    def _convert(self, applies: Callable[[Any], bool], convert: Callable[[Any], Any]) -> Self:
        """Return a new element whose data values that ``applies`` to are ``convert``-ed."""
        new_element = self.new()
        for name, value in self.items():
            if applies(value):
                new_element.set_data({name: convert(value)})
        return new_element

    def _call_on_tensors(self, method: str) -> Self:
        """Call ``value.<method>()`` on every tensor and nested element in the data."""
        return self._convert(_is_tensor_or_element, lambda value: getattr(value, method)())

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Call ``.to(*args, **kwargs)`` on every data value that has a ``to`` method."""
        return self._convert(lambda value: hasattr(value, 'to'),
                             lambda value: value.to(*args, **kwargs))

    def cpu(self) -> Self:
        """Move all tensors in the data to the CPU."""
        return self._call_on_tensors('cpu')

    def cuda(self) -> Self:
        """Move all tensors in the data to the current CUDA device."""
        return self._call_on_tensors('cuda')

    def musa(self) -> Self:
        """Move all tensors in the data to the current MUSA device."""
        return self._call_on_tensors('musa')

    def npu(self) -> Self:
        """Move all tensors in the data to the current NPU device."""
        return self._call_on_tensors('npu')

    def mlu(self) -> Self:
        """Move all tensors in the data to the current MLU device."""
        return self._call_on_tensors('mlu')

    def detach(self) -> Self:
        """Detach all tensors in the data from the autograd graph."""
        return self._call_on_tensors('detach')

    def numpy(self) -> Self:
        """Convert all tensors in the data to ``np.ndarray`` (detached, on the CPU)."""
        return self._convert(_is_tensor_or_element,
                             lambda value: value.detach().cpu().numpy())

    def to_tensor(self) -> Self:
        """Convert all ``np.ndarray`` in the data to tensors (sharing memory)."""
        return self._convert(
            lambda value: isinstance(value, (np.ndarray, BaseDataElement)),
            lambda value: (value.to_tensor() if isinstance(value, BaseDataElement)
                           else torch.from_numpy(value)))

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        """Show the class, the metainfo fields and the data fields, nested elements indented."""
        body = ('\n\n    META INFORMATION' + indent(dump_fields(self.metainfo), 4)
                + '\n\n    DATA FIELDS' + indent(dump_fields(dict(self.items())), 4))
        return f'<{type(self).__name__}({body}\n) at {hex(id(self))}>'


def _check_mapping(value: Any, what: str, method: str) -> None:
    if not isinstance(value, Mapping):
        raise StructureTypeError(
            f'{method}() expects a dict of {what} fields, but got {type(value).__name__}: '
            f'{reprlib.repr(value)}. Pass e.g. {method}(dict(name=value)).')


def _type_names(dtype: type | tuple[type, ...]) -> str:
    types = dtype if isinstance(dtype, tuple) else (dtype,)
    return ' or '.join(t.__name__ for t in types)


def _is_tensor_or_element(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, BaseDataElement))
