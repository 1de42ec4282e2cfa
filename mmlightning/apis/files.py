"""Files in and out of ``mmlightning predict``: read inputs, summarise and dump predictions."""
from __future__ import annotations

import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

ARRAY_SUFFIXES = ('.npy',)
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg')
OUT_SUFFIXES = ('.json', '.pkl', '.pickle')


def read_input(path: str) -> np.ndarray:
    """An input file as an array: ``.npy`` as saved, an image as ``(C, H, W)`` or ``(H, W)``.

    Images are read with Pillow without any conversion of their values: a grey
    image gives an ``(H, W)`` array, a colour one its channels first.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If its suffix is neither ``.npy`` nor an image's.
    """
    suffix = osp.splitext(path)[1].lower()
    if suffix not in ARRAY_SUFFIXES + IMAGE_SUFFIXES:
        raise ValueError(f'input {path!r} has an unsupported suffix {suffix!r}; predict reads '
                         f'{", ".join(ARRAY_SUFFIXES + IMAGE_SUFFIXES)} files (save arrays '
                         'with numpy.save)')
    if not osp.isfile(path):
        raise FileNotFoundError(f'input file not found: {path}')
    if suffix in ARRAY_SUFFIXES:
        return np.load(path, allow_pickle=False)
    from PIL import Image

    with Image.open(path) as image:
        array = np.array(image)
    return np.ascontiguousarray(array.transpose(2, 0, 1)) if array.ndim == 3 else array


def check_out(path: str) -> None:
    """Raise ``ValueError`` unless ``path`` names a ``.json`` or ``.pkl`` file."""
    if not path.lower().endswith(OUT_SUFFIXES):
        raise ValueError(f'--out must name a .json or .pkl file, got {path!r}')


def to_plain(value: Any) -> Any:
    """``value`` with data elements as dicts (``to_dict()``) and tensors / arrays as lists."""
    if hasattr(value, 'to_dict') and callable(value.to_dict):
        value = value.to_dict()
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


def summarize(prediction: Any, classes: Sequence[str] | None = None) -> str:
    """One line about a prediction: its label (and class name) and top score.

    Reads ``pred_label`` and ``pred_score`` (attributes or keys); a prediction
    with neither is shown as its plain form.
    """
    fields = prediction if isinstance(prediction, Mapping) else None

    def field(name: str) -> Any:
        return fields.get(name) if fields is not None else getattr(prediction, name, None)

    label, score = field('pred_label'), field('pred_score')
    if label is None and score is None:
        return repr(to_plain(prediction))
    if label is None:
        label = torch.as_tensor(score).argmax()
    label = int(torch.as_tensor(label).reshape(-1)[0])
    text = f'label={label}'
    if classes is not None and 0 <= label < len(classes):
        text += f' ({classes[label]})'
    if score is not None:
        score = torch.as_tensor(score).reshape(-1)
        top = float(score[label]) if score.numel() > label else float(score.max())
        text += f' score={top:.4f}'
    return text
