"""``SimpleCNNClassifier``: a small convolutional image classifier (the example configs' model)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlightning.registry import MODELS

from .base_model import BaseModel

_MODES = ('loss', 'predict', 'tensor')


def _conv_stage(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
                         nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


@MODELS.register_module()
class SimpleCNNClassifier(BaseModel):
    """A CNN classifier: ``len(channels)`` conv stages, pooling and a linear head.

    Each stage is two 3x3 conv-BN-ReLU blocks and a 2x2 max-pool; the head
    pools to ``pool_size x pool_size``, flattens, applies dropout and a linear
    layer. ``forward`` follows :class:`BaseModel`'s modes:

    - ``'tensor'``: the logits, ``(N, num_classes)``;
    - ``'loss'``: ``dict(loss=cross-entropy, acc=batch accuracy in percent)``,
      labels from each data sample's ``gt_label``;
    - ``'predict'``: the data samples (new ``BaseDataElement`` objects when
      none are given) with ``pred_score`` (softmax, ``(num_classes,)``) and
      ``pred_label`` (``(1,)``) set, as :class:`~mmlightning.evaluator.Accuracy`
      reads them next to ``gt_label``.

    Args:
        num_classes: Number of classes.
        in_channels: Channels of the input images.
        channels: Output channels of each stage.
        pool_size: Side of the pooled feature map fed to the head.
        dropout: Dropout probability before the linear layer.
        label_smoothing: Label smoothing of the cross-entropy loss.
        data_preprocessor: See :class:`BaseModel`; typically
            ``dict(type='ImgDataPreprocessor', mean=..., std=...)``.
        init_cfg: See :class:`BaseModule`.

    Raises:
        ValueError: If ``num_classes`` or a channel count is not positive, or
            ``channels`` is empty.
    """

    def __init__(self, num_classes: int, in_channels: int = 1,
                 channels: Sequence[int] = (32, 64), pool_size: int = 2, dropout: float = 0.2,
                 label_smoothing: float = 0.0, data_preprocessor: dict | nn.Module | None = None,
                 init_cfg: dict | list[dict] | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'SimpleCNNClassifier: num_classes={num_classes!r} must be >= 1')
        if not channels or any(c < 1 for c in [in_channels, *channels]):
            raise ValueError(f'SimpleCNNClassifier: in_channels={in_channels!r} and '
                             f'channels={tuple(channels)!r} must be positive (and channels '
                             'non-empty)')
        widths = [in_channels, *channels]
        self.backbone = nn.Sequential(*(_conv_stage(a, b) for a, b in zip(widths, widths[1:])))
        self.neck = nn.AdaptiveAvgPool2d(pool_size)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(channels[-1] * pool_size ** 2, num_classes))
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing

    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor') -> Any:
        """Run the network in ``mode`` (see the class docstring).

        Raises:
            ValueError: If ``mode`` is unknown, or ``'loss'`` gets no data samples.
        """
        if mode not in _MODES:
            raise ValueError(f"SimpleCNNClassifier: invalid mode {mode!r}; use one of {_MODES}")
        logits = self.head(self.neck(self.backbone(inputs)))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            if not data_samples:
                raise ValueError("SimpleCNNClassifier: mode='loss' needs data_samples with "
                                 "gt_label (pack them with PackInputs(data_keys=('gt_label',)))")
            return self.loss(logits, data_samples)
        return self.predict(logits, data_samples)

    def loss(self, logits: torch.Tensor, data_samples: list) -> dict[str, torch.Tensor]:
        """Cross-entropy loss and the batch accuracy (logged, not optimised)."""
        labels = torch.cat([sample.gt_label.reshape(-1) for sample in data_samples])
        labels = labels.to(logits.device).long()
        loss = F.cross_entropy(logits.float(), labels, label_smoothing=self.label_smoothing)
        acc = (logits.argmax(1) == labels).float().mean() * 100
        return dict(loss=loss, acc=acc.detach())

    def predict(self, logits: torch.Tensor, data_samples: list | None = None) -> list:
        """Set ``pred_score`` and ``pred_label`` on each data sample and return them."""
        from mmlightning.structures import BaseDataElement

        scores = F.softmax(logits.float(), dim=1).detach()
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(len(scores))]
        for sample, score in zip(data_samples, scores):
            sample.pred_score = score
            sample.pred_label = score.argmax().reshape(1)
        return data_samples
