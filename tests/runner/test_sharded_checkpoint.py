"""A sharded FSDP checkpoint folder (Lightning's layout), consolidated in one process.

Two gloo ranks shard a model with torch's ``fully_shard`` and save it the way
``FSDPStrategy(state_dict_type='sharded')`` does (``torch.distributed.checkpoint`` shards of
``model`` and ``optimizer_0``, the rest in ``meta.pt``). One process then reads it back: through
``load_from``/``_load_checkpoint``, ``mmlightning convert-ckpt`` to a ``.ckpt`` and to an
MMEngine ``.pth``; the weights equal the full ones the ranks gathered.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

fsdp = pytest.importorskip('torch.distributed.fsdp')
if not hasattr(fsdp, 'fully_shard'):
    pytest.skip('torch.distributed.fsdp.fully_shard needs torch >= 2.6', allow_module_level=True)


class Holder(nn.Module):
    """Keys ``model.*``, as in an MMLightningModule's state dict."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


def _save_sharded(rank: int, workdir: Path) -> dict:
    import lightning
    from torch.distributed.checkpoint import save
    from torch.distributed.checkpoint.state_dict import get_state_dict

    holder = Holder()
    for layer in holder.model:
        if isinstance(layer, nn.Linear):
            fsdp.fully_shard(layer)
    fsdp.fully_shard(holder)
    optimizer = torch.optim.SGD(holder.parameters(), lr=0.1, momentum=0.9)
    loss = holder.model(torch.randn(4, 8, generator=torch.Generator().manual_seed(rank))).sum()
    loss.backward()
    optimizer.step()
    model_state, optimizer_state = get_state_dict(holder, optimizer)
    folder = workdir / 'epoch_1.ckpt'
    save({'model': model_state, 'optimizer_0': optimizer_state}, checkpoint_id=folder)
    if rank == 0:
        meta = {'epoch': 1, 'global_step': 1, 'pytorch-lightning_version': lightning.__version__,
                'mmlightning': {'iter': 1}}
        torch.save(meta, folder / 'meta.pt')
    return {key: value.full_tensor() for key, value in holder.state_dict().items()}


def test_sharded_folder_loads_and_converts(run_two_ranks, tmp_path: Path) -> None:
    from mmlightning.cli import main
    from mmlightning.model.checkpoint.loader import _load_checkpoint
    from mmlightning.model.checkpoint.sharded import is_sharded_checkpoint

    full = run_two_ranks(_save_sharded)[0]
    folder = tmp_path / 'epoch_1.ckpt'
    assert is_sharded_checkpoint(str(folder)) and not is_sharded_checkpoint(str(tmp_path))

    loaded = _load_checkpoint(str(folder))
    assert sorted(loaded['state_dict']) == sorted(full)
    for key, value in full.items():
        assert torch.equal(loaded['state_dict'][key], value), key
    assert loaded['epoch'] == 1 and len(loaded['optimizer_states']) == 1
    assert loaded['optimizer_states'][0]['param_groups'][0]['lr'] == 0.1

    assert main(['convert-ckpt', str(folder), str(tmp_path / 'one.ckpt')]) == 0
    single = torch.load(tmp_path / 'one.ckpt', weights_only=True)
    assert torch.equal(single['state_dict']['model.0.weight'], full['model.0.weight'])
    assert main(['convert-ckpt', str(folder), str(tmp_path / 'weights.pth')]) == 0
    pth = torch.load(tmp_path / 'weights.pth', weights_only=False)
    assert torch.equal(pth['state_dict']['2.bias'], full['model.2.bias'])

    model = Holder().model
    from mmlightning.runner.checkpoint_loading import load_weights

    load_weights(model, str(folder))  # load_from=<folder>
    assert torch.equal(model[0].weight, full['model.0.weight'])
