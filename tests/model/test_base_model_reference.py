"""parse_losses and train_step outputs compared with MMEngine 0.10.7."""
import contextlib

import pytest
import torch
from torch import nn

from mmlightning.model import BaseModel

mmengine_model = pytest.importorskip('mmengine.model')


def _toy(base):
    class Toy(base):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.linear(inputs).squeeze(1)
            if mode == 'loss':
                return dict(loss_a=(out - data_samples).abs(), acc=out.detach(),
                            aux_loss=[out.pow(2), out.sum()])
            return out

    return Toy


LOSSES = [
    dict(loss_cls=torch.tensor([1.0, 3.0]), loss_bbox=[torch.tensor(1.0),
                                                       torch.tensor([2.0, 4.0])],
         acc=torch.tensor(0.5)),
    dict(acc=torch.tensor([0.2, 0.4]), my_loss_2=torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
         top1=torch.tensor(7.0), loss=torch.tensor(1.5)),
    dict(loss_x=[], loss_y=torch.tensor(2.0)),
    dict(acc=torch.tensor(1.0)),
]


@pytest.mark.parametrize('losses', LOSSES)
def test_parse_losses_matches_mmengine(losses):
    loss, log_vars = _toy(BaseModel)().parse_losses(losses)
    ref_loss, ref_log_vars = _toy(mmengine_model.BaseModel)().parse_losses(losses)
    assert float(loss) == pytest.approx(float(ref_loss))
    assert list(log_vars) == list(ref_log_vars)
    for key in log_vars:
        assert float(log_vars[key]) == pytest.approx(float(ref_log_vars[key]))
        assert type(log_vars[key]) is type(ref_log_vars[key])


def test_parse_losses_error_type_matches_mmengine():
    with pytest.raises(TypeError, match='loss_cls'):
        _toy(mmengine_model.BaseModel)().parse_losses(dict(loss_cls=1.0))
    with pytest.raises(TypeError, match='loss_cls'):
        _toy(BaseModel)().parse_losses(dict(loss_cls=1.0))


class _SGDWrapper:
    def __init__(self, model):
        self.sgd = torch.optim.SGD(model.parameters(), lr=0.05)

    @contextlib.contextmanager
    def optim_context(self, model):
        yield

    def update_params(self, loss):
        loss.backward()
        self.sgd.step()
        self.sgd.zero_grad()


def test_train_step_trajectory_matches_mmengine():
    models = []
    for base in (BaseModel, mmengine_model.BaseModel):
        torch.manual_seed(0)
        models.append(_toy(base)())
    ours, ref = models
    ours_opt, ref_opt = _SGDWrapper(ours), _SGDWrapper(ref)
    for step in range(5):
        batch = dict(inputs=torch.full((3, 2), float(step)), data_samples=torch.ones(3))
        log_vars = ours.train_step(batch, ours_opt)
        ref_log_vars = ref.train_step(batch, ref_opt)
        assert list(log_vars) == list(ref_log_vars)
        for key in log_vars:
            torch.testing.assert_close(log_vars[key], ref_log_vars[key])
    torch.testing.assert_close(ours.linear.weight, ref.linear.weight)
    torch.testing.assert_close(ours.val_step(batch), ref.val_step(batch))
