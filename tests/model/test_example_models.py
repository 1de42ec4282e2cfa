"""SimpleCNNClassifier and TinyGAN, the example configs' models."""
from __future__ import annotations

import pytest
import torch

from mmlightning.evaluator import Accuracy
from mmlightning.model import SimpleCNNClassifier, TinyGAN
from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.registry import MODELS
from mmlightning.structures import BaseDataElement


def _batch(num: int = 4) -> dict:
    torch.manual_seed(0)
    return dict(inputs=[torch.rand(1, 8, 8) * 16 for _ in range(num)],
                data_samples=[BaseDataElement(gt_label=torch.tensor([i % 3])) for i in range(num)])


def _classifier() -> SimpleCNNClassifier:
    return MODELS.build(dict(type='SimpleCNNClassifier', num_classes=3, channels=(4, 8),
                             data_preprocessor=dict(type='ImgDataPreprocessor', mean=[8.0],
                                                    std=[4.0])))


def test_classifier_modes() -> None:
    model = _classifier().eval()
    data = model.data_preprocessor(_batch(), False)
    logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (4, 3)
    losses = model(**data, mode='loss')
    labels = torch.tensor([0, 1, 2, 0])
    assert torch.allclose(losses['loss'], torch.nn.functional.cross_entropy(logits, labels))
    assert losses['acc'] == (logits.argmax(1) == labels).float().mean() * 100
    samples = model(**data, mode='predict')
    assert torch.allclose(torch.stack([s.pred_score for s in samples]), logits.softmax(1))
    assert [int(s.pred_label) for s in samples] == logits.argmax(1).tolist()
    assert [s.pred_label.shape for s in samples] == [(1,)] * 4
    assert all(s.pred_score.dtype == torch.float32 for s in samples)
    no_samples = model(data['inputs'], mode='predict')
    assert len(no_samples) == 4 and 'gt_label' not in no_samples[0]


def test_classifier_predictions_feed_accuracy() -> None:
    model = _classifier()
    samples = model.val_step(_batch())
    metric = Accuracy(topk=(1, 3))
    metric.process({}, [s.to_dict() for s in samples])
    expected = sum(int(s.pred_label) == int(s.gt_label) for s in samples) / 4 * 100
    assert metric.evaluate(4) == {'accuracy/top1': pytest.approx(expected),
                                  'accuracy/top3': 100.0}


def test_classifier_learns_with_train_step() -> None:
    model = _classifier()
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.01))
    losses = [model.train_step(_batch(), wrapper)['loss'].item() for _ in range(15)]
    assert losses[-1] < losses[0] / 2


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_classes=0), 'num_classes=0 must be >= 1'),
    (dict(num_classes=2, channels=()), r'channels=\(\) must be positive'),
    (dict(num_classes=2, channels=(4, 0)), r'channels=\(4, 0\) must be positive'),
])
def test_classifier_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SimpleCNNClassifier(**kwargs)


def test_classifier_bad_mode_and_loss_without_labels() -> None:
    model = _classifier()
    inputs = torch.rand(2, 1, 8, 8)
    with pytest.raises(ValueError, match="invalid mode 'train'"):
        model(inputs, mode='train')
    with pytest.raises(ValueError, match="mode='loss' needs data_samples with gt_label"):
        model(inputs, mode='loss')


def _gan_wrappers(model: TinyGAN, lr: float = 1e-3) -> OptimWrapperDict:
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(model.generator.parameters(), lr=lr)),
        discriminator=OptimWrapper(torch.optim.Adam(model.discriminator.parameters(), lr=lr)))


def test_gan_train_step_updates_each_network_with_its_optimizer() -> None:
    torch.manual_seed(0)
    model = MODELS.build(dict(type='TinyGAN', noise_dim=3, hidden=8, disc_steps=2))
    wrappers = _gan_wrappers(model)
    before = {name: p.clone() for name, p in model.named_parameters()}
    log_vars = model.train_step(dict(inputs=[torch.randn(2) for _ in range(6)]), wrappers)
    assert set(log_vars) == {'loss', 'loss_disc', 'loss_gen'}
    assert all(not torch.equal(before[name], p) for name, p in model.named_parameters())
    assert wrappers['discriminator'].optimizer.state_dict()['state'][0]['step'] == 2
    assert wrappers['generator'].optimizer.state_dict()['state'][0]['step'] == 1
    assert all(p.requires_grad for p in model.discriminator.parameters())
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


def test_gan_generator_step_leaves_the_discriminator_alone() -> None:
    torch.manual_seed(0)
    model = TinyGAN(noise_dim=3, hidden=8)
    generator_only = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(model.generator.parameters(), lr=0.1)),
        discriminator=OptimWrapper(torch.optim.SGD(model.discriminator.parameters(), lr=0.0)))
    model.train_step(dict(inputs=torch.randn(6, 2)), generator_only)
    assert all(p.grad is None or not p.grad.any() for p in model.discriminator.parameters())


def test_gan_forward_modes() -> None:
    torch.manual_seed(0)
    model = TinyGAN(noise_dim=3, hidden=8)
    assert model(torch.randn(5, 3), mode='tensor').shape == (5, 2)
    real = [torch.randn(2) for _ in range(4)]
    assert set(model(real, mode='loss')) == {'loss_disc', 'loss_gen'}
    samples = model.val_step(dict(inputs=real, data_samples=[
        BaseDataElement(metainfo=dict(mode=i)) for i in range(4)]))
    assert [s.mode for s in samples] == [0, 1, 2, 3]
    assert torch.equal(torch.stack([s.real for s in samples]), torch.stack(real))
    assert all(s.fake.shape == (2,) for s in samples)


def test_gan_errors() -> None:
    with pytest.raises(ValueError, match='hidden=0 must be a positive integer'):
        TinyGAN(hidden=0)
    model = TinyGAN()
    with pytest.raises(ValueError, match="invalid mode 'sample'"):
        model(torch.randn(2, 8), mode='sample')
    with pytest.raises(KeyError, match="optim_wrapper has no 'discriminator' wrapper"):
        model.train_step(dict(inputs=torch.randn(2, 2)), OptimWrapperDict(
            generator=OptimWrapper(torch.optim.SGD(model.generator.parameters(), lr=0.1))))
