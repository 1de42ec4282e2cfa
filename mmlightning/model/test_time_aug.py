"""``BaseTTAModel``: run a model on each test-time augmentation and merge the predictions."""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from torch import nn

from mmlightning.registry import MODELS

from .base_model import BaseModel


@MODELS.register_module()
class BaseTTAModel(BaseModel):
    """Test-time augmentation wrapper: one ``test_step`` per augmentation, then merge.

    A TTA batch holds, per key, one list per augmentation, e.g.
    ``dict(inputs=[[img1_aug1, img2_aug1], [img1_aug2, img2_aug2]], ...)``.
    :meth:`test_step` splits it into one batch per augmentation, runs
    ``module.test_step`` on each and calls :meth:`merge_preds` with, per
    sample, the list of its predictions under every augmentation.

    Args:
        module: The model (or its config, built from ``MODELS``).
        data_preprocessor: If given with a config ``module``, it becomes the
            module's ``data_preprocessor``.

    Raises:
        TypeError: If ``module`` is neither a module nor a dict, or has no
            ``test_step``.
    """

    def __init__(self, module: dict | nn.Module,
                 data_preprocessor: dict | nn.Module | None = None) -> None:
        super().__init__()
        if isinstance(module, nn.Module):
            self.module = module
        elif isinstance(module, Mapping):
            module = dict(module)
            if data_preprocessor is not None:
                module['data_preprocessor'] = data_preprocessor
            self.module = MODELS.build(module)
        else:
            raise TypeError('module of BaseTTAModel should be an nn.Module or a config dict, '
                            f'got {module!r} ({type(module).__name__})')
        if not hasattr(self.module, 'test_step'):
            raise TypeError(f'the model wrapped by BaseTTAModel ({type(self.module).__name__}) '
                            'must implement test_step; wrap a BaseModel.')

    @abstractmethod
    def merge_preds(self, data_samples_list: list) -> list:
        """Merge each sample's predictions under all augmentations into one.

        Args:
            data_samples_list: Per sample, the list of its predictions (one
                per augmentation).

        Returns:
            list: One merged prediction per sample.
        """

    def test_step(self, data: dict | tuple | list) -> list:
        """Run ``module.test_step`` per augmentation and merge the predictions.

        Raises:
            TypeError: If ``data`` is neither a dict nor a sequence.
        """
        if isinstance(data, dict):
            num_augs = len(data[next(iter(data))])
            batches: list[Any] = [{key: value[idx] for key, value in data.items()}
                                  for idx in range(num_augs)]
        elif isinstance(data, (tuple, list)):
            batches = [[item[idx] for item in data] for idx in range(len(data[0]))]
        else:
            raise TypeError('data given by the dataloader should be a dict, tuple or list, '
                            f'but got {type(data).__name__}')
        predictions = [self.module.test_step(batch) for batch in batches]
        return self.merge_preds(list(zip(*predictions)))

    def forward(self, inputs: Any, data_samples: list | None = None,
                mode: str = 'tensor') -> Any:
        """Not used: call :meth:`test_step`.

        Raises:
            NotImplementedError: Always.
        """
        raise NotImplementedError('BaseTTAModel.forward is not called during training or '
                                  'testing; call test_step instead, or implement forward in '
                                  'your subclass.')
