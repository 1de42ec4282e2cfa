"""EMA / SWA parameter trajectories over 20 updates compared with MMEngine 0.10.7."""
import pytest
import torch
from torch import nn

import mmlightning.model as ours

mmengine_model = pytest.importorskip('mmengine.model')

CASES = [
    ('ExponentialMovingAverage', dict(momentum=0.05)),
    ('ExponentialMovingAverage', dict(momentum=0.2, interval=3)),
    ('ExponentialMovingAverage', dict(momentum=0.1, update_buffers=True)),
    ('MomentumAnnealingEMA', dict(momentum=0.001, gamma=5)),
    ('MomentumAnnealingEMA', dict(momentum=0.3, gamma=2, interval=2, update_buffers=True)),
    ('StochasticWeightAverage', dict()),
    ('StochasticWeightAverage', dict(interval=4)),
]


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))


@pytest.mark.parametrize('name, kwargs', CASES)
def test_trajectory_matches_mmengine(name, kwargs):
    model = _model()
    averaged = getattr(ours, name)(model, **kwargs)
    reference = getattr(mmengine_model, name)(model, **kwargs)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.manual_seed(1)
    for _ in range(20):
        loss = model(torch.randn(8, 3)).pow(2).mean()  # train mode: BN buffers change too
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        averaged.update_parameters(model)
        reference.update_parameters(model)
        ours_state, ref_state = averaged.state_dict(), reference.state_dict()
        assert list(ours_state) == list(ref_state)
        for key in ours_state:
            torch.testing.assert_close(ours_state[key], ref_state[key], rtol=0, atol=0, msg=key)
