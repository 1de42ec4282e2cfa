"""The workloads and the five variants of ``overhead.py``, and one timed run (:func:`measure`).

Every variant trains one epoch of a :class:`Workload` with the same network,
initial weights, data, collate function, loss and SGD step.
"""
from __future__ import annotations

import logging
import tempfile
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from step_clock import Clock, Rate, Timed
from torch import nn
from torch.utils.data import DataLoader, Dataset

LR = 0.01


@dataclass(frozen=True)
class Workload:
    """A network, its input shape, the batch size and the iterations of one run."""

    key: str
    description: str
    input_shape: tuple[int, ...]
    build_net: Callable[[], nn.Module]
    iters: int
    batch_size: int = 32
    num_classes: int = 10


def mlp() -> nn.Module:
    """Workload (a): framework overhead dominates."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn() -> nn.Module:
    """Workload (b): compute dominates."""
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


def workloads(quick: bool) -> list[Workload]:
    """Workloads (a) and (b); ``quick`` makes them short enough for a smoke test."""
    return [Workload('a', 'MLP 64-128-10 on vectors', (64,), mlp, 60 if quick else 600),
            Workload('b', 'CNN conv32-conv64-linear on 3x32x32', (3, 32, 32), cnn,
                     16 if quick else 120)]


class TensorPairs(Dataset):
    """Pre-generated inputs with the labels of a fixed random linear teacher (learnable).

    Args:
        size: Number of samples.
        shape: Shape of one input.
        num_classes: Number of labels.
        seed: Seed of the inputs.
        teacher_seed: Seed of the teacher: sets with the same one share the labelling.
    """

    def __init__(self, size: int, shape: tuple[int, ...], num_classes: int, seed: int,
                 teacher_seed: int = 0) -> None:
        self.inputs = torch.randn(size, *shape, generator=torch.Generator().manual_seed(seed))
        self.labels = self.teacher_labels(self.inputs, num_classes, teacher_seed)

    @staticmethod
    def teacher_labels(features: torch.Tensor, num_classes: int, seed: int) -> torch.Tensor:
        """Labels of a random linear teacher (seeded by ``seed``) on ``features``."""
        teacher = torch.randn(features[0].numel(), num_classes,
                              generator=torch.Generator().manual_seed(seed))
        return (features.flatten(1) @ teacher).argmax(1)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return dict(inputs=self.inputs[index], data_samples=self.labels[index])


def make_dataset(workload: Workload, iters: int | None = None, seed: int = 0) -> TensorPairs:
    """``iters`` (default ``workload.iters``) batches of data for ``workload``."""
    size = (iters or workload.iters) * workload.batch_size
    return TensorPairs(size, workload.input_shape, workload.num_classes, seed)


def classification_loss(net: nn.Module, inputs: list, labels: list,
                        device: torch.device) -> torch.Tensor:
    """What every variant computes: tensors moved one by one, stacked, cross-entropy."""
    logits = net(torch.stack([x.to(device) for x in inputs]))
    return nn.functional.cross_entropy(logits, torch.stack([y.to(device) for y in labels]))


@dataclass
class Setup:
    """Everything a variant needs for one run."""

    net: Timed
    dataset: TensorPairs
    batch_size: int
    device: torch.device
    work_dir: str


# ------------------------------------------------------------------ variants
def run_raw(setup: Setup) -> None:
    from mmlightning.dataset import pseudo_collate

    net = setup.net.to(setup.device)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loader = DataLoader(setup.dataset, batch_size=setup.batch_size, shuffle=True,
                        collate_fn=pseudo_collate, generator=torch.Generator().manual_seed(0))
    for batch in loader:
        loss = classification_loss(net, batch['inputs'], batch['data_samples'], setup.device)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def _lightning_classes() -> tuple[type, type]:
    import lightning

    class Automatic(lightning.LightningModule):
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.net.parameters(), lr=LR)

        def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
            return classification_loss(self.net, batch['inputs'], batch['data_samples'],
                                       self.device)

    class Manual(Automatic):
        def __init__(self, net: nn.Module) -> None:
            super().__init__(net)
            self.automatic_optimization = False

        def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
            optimizer = self.optimizers()
            loss = super().training_step(batch, batch_idx)
            self.manual_backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            return loss

    return Manual, Automatic


def _run_lightning(setup: Setup, manual: bool) -> None:
    import lightning

    from mmlightning.dataset import pseudo_collate

    module = _lightning_classes()[0 if manual else 1](setup.net)
    loader = DataLoader(setup.dataset, batch_size=setup.batch_size, shuffle=True,
                        collate_fn=pseudo_collate, generator=torch.Generator().manual_seed(0))
    trainer = lightning.Trainer(
        max_epochs=1, accelerator=setup.device.type, devices=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0, use_distributed_sampler=False,
        default_root_dir=setup.work_dir)
    trainer.fit(module, loader)


def run_lightning_manual(setup: Setup) -> None:
    _run_lightning(setup, manual=True)


def run_lightning_automatic(setup: Setup) -> None:
    _run_lightning(setup, manual=False)


def mm_classifier(base: type) -> type:
    """The workload's network as a ``BaseModel`` of mmlightning or MMEngine."""

    class Classifier(base):  # type: ignore[misc, valid-type]
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def forward(self, inputs: list, data_samples: list | None = None,
                    mode: str = 'tensor') -> Any:
            logits = self.net(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return logits

    return Classifier


def mm_config(setup: Setup) -> dict[str, Any]:
    """The Runner arguments that both mmlightning and MMEngine accept.

    ``CheckpointHook`` and ``LoggerHook`` are removed (no checkpoints, no log
    lines, as in the plain Lightning variants); the other default hooks stay.
    """
    return dict(
        default_hooks=dict(checkpoint=None, logger=None),
        work_dir=setup.work_dir, experiment_name=f'overhead_{uuid.uuid4().hex[:8]}',
        train_dataloader=dict(dataset=setup.dataset, batch_size=setup.batch_size,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=LR)),
        randomness=dict(seed=0), log_level='ERROR')


def run_mmlightning(setup: Setup, default_hooks: dict | None = None, **trainer: Any) -> None:
    from mmlightning.model import BaseModel
    from mmlightning.runner import Runner

    config = mm_config(setup)
    if default_hooks is not None:
        config['default_hooks'] = default_hooks
    Runner(model=mm_classifier(BaseModel)(setup.net),
           trainer=dict(accelerator=setup.device.type, enable_progress_bar=False, **trainer),
           **config).train()


def run_mmlightning_default_hooks(setup: Setup) -> None:
    """mmlightning with all of MMEngine's default hooks: log lines every 10 iterations and a
    checkpoint after the epoch (written after the last timed iteration)."""
    run_mmlightning(setup, default_hooks={})


def run_mmengine(setup: Setup) -> None:
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    Runner(model=mm_classifier(BaseModel)(setup.net), **mm_config(setup)).train()


def mmengine_available() -> bool:
    try:
        import mmengine.runner  # noqa: F401
    except ImportError:
        return False
    return True


VARIANTS: dict[str, Callable[[Setup], None]] = {
    'raw PyTorch': run_raw, 'Lightning manual': run_lightning_manual,
    'Lightning automatic': run_lightning_automatic, 'mmlightning': run_mmlightning,
    'mmlightning, default hooks': run_mmlightning_default_hooks, 'MMEngine Runner': run_mmengine}


def quiet() -> None:
    """Silence the per-Trainer banners and warnings that would drown the table."""
    import lightning  # noqa: F401  (creates its loggers)

    warnings.filterwarnings('ignore')
    for name in list(logging.root.manager.loggerDict):
        if name.split('.')[0] in ('lightning', 'lightning_fabric', 'pytorch_lightning'):
            logging.getLogger(name).setLevel(logging.ERROR)


def measure(variant: str, workload: Workload, dataset: TensorPairs, device: torch.device,
            state: dict[str, torch.Tensor], counter: Any = None,
            run: Callable[[Setup], None] | None = None, warmup: int | None = None) -> Rate:
    """Train ``workload`` for one epoch with ``variant``; returns its iterations/s.

    Args:
        variant: A key of :data:`VARIANTS`.
        workload: The workload.
        dataset: Its data; one epoch is ``len(dataset) // batch_size`` iterations.
        device: Where to train.
        state: The network's initial weights (the same for every variant).
        counter: If given, its ``active`` is set during the timed iterations.
        run: Replaces ``VARIANTS[variant]`` (say, with other Trainer arguments).
        warmup: Untimed first iterations (default: a tenth, at least 2).
    """
    iters = len(dataset) // workload.batch_size
    warmup = max(2, iters // 10) if warmup is None else warmup
    clock = Clock(last=iters - 1, warmup=warmup, device=device, counter=counter)
    net = workload.build_net()
    net.load_state_dict(state)
    with tempfile.TemporaryDirectory(prefix='overhead_') as work_dir:
        (run or VARIANTS[variant])(Setup(Timed(net, clock), dataset, workload.batch_size,
                                         device, work_dir))
    return clock.rate()


def mmlightning_without_logging(setup: Setup) -> None:
    """mmlightning with ``self.log`` off (``log_every_n_steps=10**9``)."""
    run_mmlightning(setup, log_every_n_steps=10**9)
