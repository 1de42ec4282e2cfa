import pytest
import torch
from torch import nn

from mmlightning.model.efficient_conv_bn_eval import (
    efficient_conv_bn_eval_control,
    efficient_conv_bn_eval_forward,
    turn_on_efficient_conv_bn_eval,
    turn_on_efficient_conv_bn_eval_for_single_model,
)


def _bn(channels: int, affine: bool = True) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(channels, affine=affine)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        if affine:
            bn.weight.uniform_(0.5, 2)
            bn.bias.uniform_(-1, 1)
    return bn


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 3), _bn(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 1, bias=False), _bn(4, affine=False)
        self.conv3, self.bn3 = nn.Conv2d(4, 4, 1), _bn(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn1(self.conv1(x))
        x = self.bn2(self.conv2(self.conv2(x)))  # only the second conv2 call is folded
        y = self.conv3(x)
        return self.bn3(y) + y  # conv3's output has two users: not folded


def _fused_calls(module: nn.Module) -> int:
    graph = module.forward.__self__.graph
    return sum(node.target is efficient_conv_bn_eval_control for node in graph.nodes)


@pytest.mark.parametrize('conv, bn', [
    (nn.Conv2d(3, 4, 3), _bn(4)),
    (nn.Conv2d(3, 4, 3, bias=False), _bn(4, affine=False)),
    (nn.Conv1d(3, 4, 3, groups=1), nn.BatchNorm1d(4)),
    (nn.Conv3d(2, 4, 1, groups=2), nn.BatchNorm3d(4)),
])
def test_folded_forward_equals_conv_then_bn(conv, bn):
    bn.eval()
    x = torch.randn(2, conv.in_channels, *([6] * (conv.weight.dim() - 2)))
    torch.testing.assert_close(efficient_conv_bn_eval_forward(bn, conv, x), bn(conv(x)))


def test_single_model_matches_and_folds_only_safe_pairs():
    torch.manual_seed(0)
    model = _Net().eval()
    x = torch.randn(2, 3, 8, 8)
    expected = model(x)
    turn_on_efficient_conv_bn_eval_for_single_model(model)
    torch.testing.assert_close(model(x), expected)
    assert _fused_calls(model) == 2
    assert set(model.state_dict()) == set(_Net().state_dict())


def test_training_mode_bn_runs_normally_and_updates_its_statistics():
    torch.manual_seed(0)
    model, reference = _Net(), _Net()
    reference.load_state_dict(model.state_dict())
    turn_on_efficient_conv_bn_eval_for_single_model(model)
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(model(x), reference(x))
    torch.testing.assert_close(model.bn1.running_mean, reference.bn1.running_mean)


def test_gradients_reach_the_conv_weight_with_frozen_bn():
    torch.manual_seed(0)
    model, reference = _Net().eval(), _Net().eval()
    reference.load_state_dict(model.state_dict())
    turn_on_efficient_conv_bn_eval_for_single_model(model)
    x = torch.randn(2, 3, 8, 8)
    model(x).sum().backward()
    reference(x).sum().backward()
    torch.testing.assert_close(model.conv1.weight.grad, reference.conv1.weight.grad)


def test_bn_without_running_stats_and_bn_on_input_are_left_alone():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn0 = nn.BatchNorm2d(3)
            self.conv = nn.Conv2d(3, 4, 1)
            self.bn = nn.BatchNorm2d(4, track_running_stats=False)
            self.deconv, self.bn2 = nn.ConvTranspose2d(4, 2, 2), nn.BatchNorm2d(2)

        def forward(self, x):
            return self.bn2(self.deconv(self.bn(self.conv(self.bn0(x)))))

    model = Net().eval()
    x = torch.randn(2, 3, 4, 4)
    expected = model(x)
    turn_on_efficient_conv_bn_eval_for_single_model(model)
    torch.testing.assert_close(model(x), expected)
    assert _fused_calls(model) == 1  # conv + bn (batch statistics: computed normally)


def test_turn_on_by_name():
    model = nn.Sequential()
    model.add_module('backbone', _Net().eval())
    x = torch.randn(1, 3, 8, 8)
    expected = model(x)
    turn_on_efficient_conv_bn_eval(model, 'backbone')
    torch.testing.assert_close(model(x), expected)
    assert _fused_calls(model.backbone) == 2
    with pytest.raises(AttributeError, match="no submodule 'neck'"):
        turn_on_efficient_conv_bn_eval(model, ['neck'])


def test_same_output_and_folds_as_mmengine():
    reference = pytest.importorskip('mmengine.model.efficient_conv_bn_eval')
    torch.manual_seed(0)
    ours, theirs = _Net().eval(), _Net().eval()
    theirs.load_state_dict(ours.state_dict())
    turn_on_efficient_conv_bn_eval_for_single_model(ours)
    reference.turn_on_efficient_conv_bn_eval_for_single_model(theirs)
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(ours(x), theirs(x))
    graph = theirs.forward.__self__.graph
    assert _fused_calls(ours) == sum(
        node.target is reference.efficient_conv_bn_eval_control for node in graph.nodes)
