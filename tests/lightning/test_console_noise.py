"""A run's console has none of Lightning's product tips or its internal LeafSpec warning."""
from __future__ import annotations

import logging
import warnings

import lightning
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mmlightning.lightning import MMLightningModule
from mmlightning.model import BaseModel


class Regressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        prediction = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=nn.functional.mse_loss(prediction, data_samples))
        return prediction


def test_fit_prints_no_tip_and_no_leafspec_warning(tmp_path) -> None:
    module = MMLightningModule(Regressor(), optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)))
    data = TensorDataset(torch.randn(8, 2), torch.randn(8, 1))
    loader = DataLoader(data, batch_size=4, collate_fn=lambda b: dict(
        inputs=torch.stack([x for x, _ in b]), data_samples=torch.stack([y for _, y in b])))
    # what passes the filters of Lightning's rank-zero logger (other tests may have changed its
    # level or propagation): a handler of its own, at INFO
    rank_zero = logging.getLogger('lightning.pytorch.utilities.rank_zero')
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    level = rank_zero.level
    rank_zero.addHandler(handler)
    rank_zero.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('default')  # what a script sees: each warning once
            module_filters_back = MMLightningModule(Regressor())  # reinstalls the filters
            del module_filters_back
            trainer = lightning.Trainer(max_epochs=1, default_root_dir=tmp_path,
                                        accelerator='cpu', enable_progress_bar=False,
                                        enable_model_summary=False)
            trainer.fit(module, loader)
    finally:
        rank_zero.removeHandler(handler)
        rank_zero.setLevel(level)
    messages = [str(record.msg) for record in records]
    assert trainer.global_step > 0
    assert not [w for w in caught if 'LeafSpec' in str(w.message)]
    assert not [m for m in messages if 'Tip' in m]


def test_only_the_product_tips_are_dropped() -> None:
    from mmlightning.lightning.console_noise import _ProductTips

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord('lightning.pytorch.utilities.rank_zero', logging.INFO, __file__,
                                 1, message, None, None)

    keep = _ProductTips()
    assert keep.filter(record('GPU available: False, used: False'))  # the Trainer's own
    assert not keep.filter(record('💡 Tip: For seamless cloud logging and experiment tracking'))
