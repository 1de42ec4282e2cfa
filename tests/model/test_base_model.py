import contextlib
from collections import OrderedDict, namedtuple

import pytest
import torch
from torch import nn

from mmlightning.model import BaseDataPreprocessor, BaseModel, ImgDataPreprocessor
from mmlightning.registry import MODELS


class ToyModel(BaseModel):
    def __init__(self, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor, init_cfg)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss_mse=((out.squeeze(1) - data_samples) ** 2).mean(),
                        acc=torch.tensor(0.5))
        if mode == 'predict':
            return [row for row in out]
        return out


class FakeOptimWrapper:
    """The duck-typed OptimWrapper API train_step uses, recording the calls."""

    def __init__(self, model, lr=0.1):
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.calls = []

    @contextlib.contextmanager
    def optim_context(self, model):
        self.calls.append(('enter', model))
        yield
        self.calls.append(('exit', model))

    def update_params(self, loss):
        self.calls.append(('update', loss.detach().clone()))
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()


def _batch():
    return dict(inputs=[torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])],
                data_samples=torch.tensor([1.0, 0.0]))


def test_parse_losses_mmengine_semantics():
    model = ToyModel()
    losses = OrderedDict(
        loss_cls=torch.tensor([1.0, 3.0]),
        acc=torch.tensor(0.5),
        loss_bbox=[torch.tensor([1.0]), torch.tensor([2.0, 4.0])],
        my_aux_loss_2=torch.tensor(2.0))
    loss, log_vars = model.parse_losses(losses)
    assert loss.item() == pytest.approx(2.0 + 4.0 + 2.0)  # means: 2, 1 + 3 = 4, 2; acc skipped
    assert list(log_vars) == ['loss', 'loss_cls', 'acc', 'loss_bbox', 'my_aux_loss_2']
    assert isinstance(log_vars, OrderedDict)
    assert [v.item() for v in log_vars.values()] == [8.0, 2.0, 0.5, 4.0, 2.0]
    assert log_vars['loss'] is loss


def test_parse_losses_keeps_gradient():
    weight = torch.tensor(2.0, requires_grad=True)
    loss, _ = ToyModel().parse_losses(dict(loss=weight * 3, top1=weight.detach()))
    loss.backward()
    assert weight.grad.item() == 3.0


def test_parse_losses_without_loss_keys_and_empty_list():
    loss, log_vars = ToyModel().parse_losses(dict(acc=torch.tensor(1.0), loss_x=[]))
    assert loss == 0 and log_vars['loss_x'] == 0


@pytest.mark.parametrize('value, type_name', [
    (0.5, 'float'), ((torch.tensor(1.0),), 'tuple'), ([torch.tensor(1.0), 2.0], 'list'),
])
def test_parse_losses_unsupported_type_names_key(value, type_name):
    with pytest.raises(TypeError, match=f'loss_cls is not a tensor or list of tensors: '
                                        f'got {type_name}'):
        ToyModel().parse_losses(dict(loss_cls=value))


def test_train_step_with_fake_optim_wrapper():
    model = ToyModel()
    wrapper = FakeOptimWrapper(model)
    before = model.linear.weight.detach().clone()
    log_vars = model.train_step(_batch(), wrapper)
    assert list(log_vars) == ['loss', 'loss_mse', 'acc']
    assert [c[0] for c in wrapper.calls] == ['enter', 'exit', 'update']
    assert wrapper.calls[0][1] is model
    torch.testing.assert_close(wrapper.calls[2][1], log_vars['loss'].detach())
    assert not torch.equal(model.linear.weight, before)


def test_train_step_reduces_loss_over_steps():
    torch.manual_seed(0)
    model = ToyModel()
    wrapper = FakeOptimWrapper(model)
    first = model.train_step(_batch(), wrapper)['loss'].item()
    for _ in range(20):
        last = model.train_step(_batch(), wrapper)['loss'].item()
    assert last < first


def test_train_step_with_real_optim_wrapper():
    optim = pytest.importorskip('mmlightning.optim')
    torch.manual_seed(0)
    model = ToyModel()
    expected = ToyModel()
    expected.load_state_dict(model.state_dict())
    wrapper = optim.OptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    log_vars = model.train_step(_batch(), wrapper)
    # The same step by hand.
    sgd = torch.optim.SGD(expected.parameters(), lr=0.1)
    batch = _batch()
    loss = expected(torch.stack(batch['inputs']), batch['data_samples'], mode='loss')['loss_mse']
    loss.backward()
    sgd.step()
    assert log_vars['loss'].item() == pytest.approx(loss.item())
    torch.testing.assert_close(model.linear.weight, expected.linear.weight)


def test_val_and_test_step_predict():
    model = ToyModel()
    for step in (model.val_step, model.test_step):
        preds = step(_batch())
        assert isinstance(preds, list) and len(preds) == 2
        torch.testing.assert_close(torch.stack(preds),
                                   model.linear(torch.stack(_batch()['inputs'])))


def test_run_forward_unpacks_dict_and_sequence():
    model = ToyModel()
    inputs = torch.ones(3, 2)
    torch.testing.assert_close(model._run_forward([inputs], mode='tensor'), model(inputs))
    torch.testing.assert_close(model._run_forward((inputs,), mode='tensor'), model(inputs))
    torch.testing.assert_close(model._run_forward(dict(inputs=inputs), mode='tensor'),
                               model(inputs))
    with pytest.raises(TypeError, match='should be a list, tuple or dict, but got Tensor'):
        model._run_forward(inputs, mode='tensor')


def test_data_preprocessor_from_cfg_instance_or_default():
    assert type(ToyModel().data_preprocessor) is BaseDataPreprocessor
    built = ToyModel(data_preprocessor=dict(type='ImgDataPreprocessor', mean=[1], std=[2]))
    assert isinstance(built.data_preprocessor, ImgDataPreprocessor)
    instance = BaseDataPreprocessor()
    assert ToyModel(data_preprocessor=instance).data_preprocessor is instance
    with pytest.raises(TypeError, match=r"data_preprocessor should be a dict \(config\) or an "
                                        r"nn.Module, got 'Base' \(str\)"):
        ToyModel(data_preprocessor='Base')


def test_build_from_models_registry():
    MODELS.register_module(module=ToyModel, force=True)
    model = MODELS.build(dict(type='ToyModel', init_cfg=dict(type='Constant', val=1,
                                                              layer='Linear')))
    model.init_weights()
    assert torch.all(model.linear.weight == 1)


def test_forward_is_abstract():
    class NoForward(BaseModel):
        pass

    with pytest.raises(TypeError, match='abstract'):
        NoForward()


def test_to_and_cpu_keep_preprocessor_device_in_step():
    model = ToyModel()
    nested = BaseDataPreprocessor()
    model.extra = nn.Sequential(nested)
    model.to('meta')
    assert model.data_preprocessor.device == torch.device('meta')
    assert nested.device == torch.device('meta')
    assert model.linear.weight.device.type == 'meta'
    model.to(dtype=torch.float64)  # no device: unchanged
    assert model.data_preprocessor.device == torch.device('meta')
    model.to_empty(device='cpu')
    model.cpu()
    assert model.data_preprocessor.device == torch.device('cpu')
    model.to(device=torch.device('meta'))
    assert nested.device == torch.device('meta')


def test_moving_a_parent_module_moves_preprocessor_device():
    # Lightning moves the LightningModule that holds the model: only _apply reaches the model.
    model = ToyModel(data_preprocessor=dict(type='ImgDataPreprocessor', mean=[1], std=[2]))
    parent = nn.ModuleDict(dict(model=model))
    parent.to('meta')
    assert model.data_preprocessor.device == torch.device('meta')
    assert model.data_preprocessor.mean.device.type == 'meta'
    parent.to_empty(device='cpu')
    assert model.data_preprocessor.device == torch.device('cpu')
    parent.half()  # dtype only: device unchanged
    assert model.data_preprocessor.device == torch.device('cpu')


def test_cuda_sets_preprocessor_device():
    class NoParams(BaseModel):
        def forward(self, inputs, data_samples=None, mode='tensor'):
            return inputs

    model = NoParams()  # nothing to move, so this runs on CPU-only builds too
    model.cuda()
    assert model.data_preprocessor.device == torch.device('cuda')
    model.cuda(1)
    assert model.data_preprocessor.device == torch.device('cuda', 1)
    model.cuda('cuda:2')
    assert model.data_preprocessor.device == torch.device('cuda', 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_train_step_on_gpu_moves_batch():
    model = ToyModel().cuda()
    log_vars = model.train_step(_batch(), FakeOptimWrapper(model))
    assert log_vars['loss'].device.type == 'cuda'


def test_namedtuple_batch_is_cast():
    Batch = namedtuple('Batch', ['inputs', 'data_samples'])
    model = ToyModel()
    preds = model.val_step(Batch(torch.ones(2, 2), None))
    assert len(preds) == 2
