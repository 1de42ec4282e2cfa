"""MMEngine's DDP wrappers, on two gloo ranks: training equals one process on the whole batches."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import torch
import torch.distributed as torch_dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mmlightning.model import (
    BaseModel,
    MMDistributedDataParallel,
    MMSeparateDistributedDataParallel,
    is_model_wrapper,
)
from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.registry import MODEL_WRAPPERS

STEPS, BATCH = 4, 4


class _Regressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(3, 1)
        self.unused = nn.Linear(3, 1)

    def forward(self, inputs, targets=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss_mse=nn.functional.mse_loss(out, targets))
        return out if mode == 'tensor' else [out]


class _TwoParts(BaseModel):
    """Two parts, each updated by its own wrapper, a frozen part and one without parameters."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.part_a, self.part_b = nn.Linear(3, 1), nn.Linear(3, 1)
        self.frozen = nn.Linear(3, 1).requires_grad_(False)

    def train_step(self, data, optim_wrapper):
        inputs = self.data_preprocessor(data, True)['inputs']
        log_vars = {}
        for name in ('part_a', 'part_b'):
            part = getattr(self, name)
            with optim_wrapper[name].optim_context(part):
                loss, logs = self.parse_losses({f'loss_{name}': part(inputs).pow(2).mean()})
            optim_wrapper[name].update_params(loss)
            log_vars.update(logs)
        return log_vars

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return [self.part_a(inputs) + self.frozen(inputs)]


def _batches() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return (torch.randn(STEPS, BATCH, 3, generator=generator),
            torch.randn(STEPS, BATCH, 1, generator=generator))


def _train_regressor(model: nn.Module, rank: int, world_size: int) -> list[float]:
    inner = model.module if is_model_wrapper(model) else model
    optim_wrapper = OptimWrapper(torch.optim.SGD(inner.parameters(), lr=0.1),
                                 accumulative_counts=2)
    optim_wrapper.initialize_count_status(inner, 0, STEPS)
    inputs, targets = _batches()
    losses = []
    for step in range(STEPS):
        data = dict(inputs=inputs[step][rank::world_size], targets=targets[step][rank::world_size])
        losses.append(float(model.train_step(data, optim_wrapper)['loss'].detach()))
    return losses


def _train_two_parts(model: nn.Module, rank: int, world_size: int) -> None:
    inner = model.module if is_model_wrapper(model) else model
    optim_wrapper = OptimWrapperDict(**{
        name: OptimWrapper(torch.optim.SGD(getattr(inner, name).parameters(), lr=0.1))
        for name in ('part_a', 'part_b')})
    inputs, _ = _batches()
    for step in range(STEPS):
        model.train_step(dict(inputs=inputs[step][rank::world_size]), optim_wrapper)


def _ddp_run(rank: int, workdir: Path) -> dict:
    model = MMDistributedDataParallel(_Regressor(), find_unused_parameters=True)
    losses = _train_regressor(model, rank, world_size=2)
    inputs, _ = _batches()
    return dict(losses=losses, state=model.module.state_dict(),
                val=model.val_step(dict(inputs=inputs[0]))[0],
                test=model.test_step(dict(inputs=inputs[0]))[0])


def _separate_run(rank: int, workdir: Path) -> dict:
    model = MMSeparateDistributedDataParallel(_TwoParts())
    wrapped = {name: type(child).__name__ for name, child in model.module.named_children()}
    _train_two_parts(model, rank, world_size=2)
    inputs = torch.full((2, 3), rank + 1.0)
    with model.no_sync():  # both wrapped parts at once: each rank keeps its own gradients
        model.module.part_a(inputs).sum().backward()
        model.module.part_b(inputs).sum().backward()
    grads = [model.module.part_a.module.weight.grad.clone(),
             model.module.part_b.module.weight.grad.clone()]
    model.train(False)
    return dict(wrapped=wrapped, state=model.module.state_dict(), grads=grads,
                training=[module.training for module in model.modules()])


def test_mmddp_train_step_equals_one_process(run_two_ranks):
    ranks = run_two_ranks(_ddp_run)
    reference = _Regressor()
    reference_losses = _train_regressor(reference, rank=0, world_size=1)
    for rank in ranks:
        for key, value in reference.state_dict().items():
            torch.testing.assert_close(rank['state'][key].cpu(), value)
        inputs, _ = _batches()
        torch.testing.assert_close(rank['val'], reference(inputs[0]))
        torch.testing.assert_close(rank['test'], rank['val'])
    # each rank saw half of each batch: the losses differ, their mean is the whole batch's
    assert ranks[0]['losses'] != ranks[1]['losses']
    means = [(loss_0 + loss_1) / 2 for loss_0, loss_1 in zip(ranks[0]['losses'],
                                                             ranks[1]['losses'])]
    assert means == pytest.approx(reference_losses, rel=1e-5)


def test_separate_wrapper_wraps_trainable_children_and_syncs_each(run_two_ranks):
    ranks = run_two_ranks(_separate_run)
    reference = _TwoParts()
    _train_two_parts(reference, rank=0, world_size=1)
    expected_state = {key.replace('part_a.', 'part_a.module.').replace('part_b.', 'part_b.module.'):
                      value for key, value in reference.state_dict().items()}
    for rank in ranks:
        assert rank['wrapped'] == dict(data_preprocessor='BaseDataPreprocessor',
                                       part_a='MMDistributedDataParallel',
                                       part_b='MMDistributedDataParallel', frozen='Linear')
        assert rank['state'].keys() == expected_state.keys()
        for key, value in expected_state.items():
            torch.testing.assert_close(rank['state'][key], value)
        assert not any(rank['training'])
    # no gradient was all-reduced under no_sync: rank 1's inputs were twice rank 0's
    for grad_0, grad_1 in zip(ranks[0]['grads'], ranks[1]['grads']):
        torch.testing.assert_close(grad_1, 2 * grad_0)


def test_wrappers_are_registered_model_wrappers(tmp_path):
    torch_dist.init_process_group('gloo', init_method=f'file://{tmp_path}/init', rank=0,
                                  world_size=1, timeout=datetime.timedelta(seconds=30))
    try:
        built = MODEL_WRAPPERS.build(dict(type='MMDistributedDataParallel', module=_Regressor(),
                                          detect_anomalous_params=True))
        separate = MODEL_WRAPPERS.build(dict(type='MMSeparateDistributedDataParallel',
                                             module=nn.Linear(1, 1)))
        for wrapper in (built, separate):
            assert isinstance(wrapper, DistributedDataParallel) and is_model_wrapper(wrapper)
        assert built.detect_anomalous_params
        with pytest.raises(TypeError, match='list, tuple or dict'):
            built._run_forward(torch.ones(1, 3), mode='tensor')
    finally:
        torch_dist.destroy_process_group()
