"""MMDataModule under Lightning's DDP strategy: 2 CPU processes (gloo), one per rank.

``strategy='ddp'`` starts rank 1 by running the script again, so the run lives
in a script file and each rank writes what it saw to a json file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from mmlightning.dataset import DefaultSampler
from mmlightning.dataset import sampler as sampler_module

SIZE = 11  # odd: DefaultSampler's round_up pads one index for 2 ranks

SCRIPT = textwrap.dedent('''
    import json
    import sys

    import lightning as L
    import torch

    from mmlightning.dataset import BaseDataset
    from mmlightning.lightning import MMDataModule
    from mmlightning.registry import DATASETS


    @DATASETS.register_module()
    class Numbers(BaseDataset):
        def __init__(self, size, **kwargs):
            self.size = size
            super().__init__(data_prefix={}, **kwargs)

        def load_data_list(self):
            return [dict(x=float(i)) for i in range(self.size)]


    class Recorder(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))
            self.record = dict(train={}, val={})

        def training_step(self, batch, batch_idx):
            self.record['train'].setdefault(self.current_epoch, []).extend(batch['sample_idx'])
            return self.weight.sum() * 0

        def validation_step(self, batch, batch_idx):
            self.record['val'].setdefault(self.current_epoch, []).extend(batch['sample_idx'])

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.0)


    def loader(shuffle):
        return dict(dataset=dict(type='Numbers', size=int(sys.argv[2])), batch_size=2,
                    sampler=dict(type='DefaultSampler', shuffle=shuffle))


    dm = MMDataModule.from_cfg(dict(train_dataloader=loader(True),
                                    val_dataloader=loader(False),
                                    randomness=dict(seed=7, diff_rank_seed=True)))
    module = Recorder()
    trainer = L.Trainer(accelerator='cpu', devices=2, strategy='ddp', max_epochs=2,
                        logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, use_distributed_sampler=False,
                        num_sanity_val_steps=0)
    trainer.fit(module, datamodule=dm)
    train_loader = dm.train_dataloader()
    module.record.update(
        rank=trainer.global_rank, world_size=trainer.world_size,
        sampler_seed=train_loader.sampler.seed,
        worker_seed=train_loader.worker_init_fn.keywords['seed'])
    with open(f'{sys.argv[1]}/rank{trainer.global_rank}.json', 'w') as file:
        json.dump(module.record, file)
''')


def expected_shard(seed: int, epoch: int, rank: int, shuffle: bool,
                   monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What DefaultSampler gives ``rank`` of 2, computed in this (single) process."""
    monkeypatch.setattr(sampler_module, 'get_dist_info', lambda: (rank, 2))
    sampler = DefaultSampler(list(range(SIZE)), shuffle=shuffle, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)


@pytest.fixture(scope='module')
def ddp_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Run the 2-process fit once and return each rank's record."""
    work_dir = tmp_path_factory.mktemp('ddp')
    script = work_dir / 'fit_ddp.py'
    script.write_text(SCRIPT)
    env = {key: value for key, value in os.environ.items()
           if key not in ('LOCAL_RANK', 'NODE_RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')}
    result = subprocess.run([sys.executable, str(script), str(work_dir), str(SIZE)],
                            cwd=work_dir, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(Path(work_dir, f'rank{rank}.json').read_text()) for rank in range(2)]


def test_each_rank_follows_default_sampler_with_a_shared_seed(ddp_records, monkeypatch):
    first, second = ddp_records
    assert [(r['rank'], r['world_size']) for r in ddp_records] == [(0, 2), (1, 2)]
    assert first['sampler_seed'] == second['sampler_seed']  # drawn on rank 0, broadcast
    assert [r['worker_seed'] for r in ddp_records] == [7, 8]  # diff_rank_seed: seed + rank
    seed = first['sampler_seed']
    for rank, record in enumerate(ddp_records):
        for epoch in range(2):
            assert record['train'][str(epoch)] == expected_shard(seed, epoch, rank, True,
                                                                 monkeypatch)
            assert record['val'][str(epoch)] == expected_shard(seed, epoch, rank, False,
                                                               monkeypatch)


def test_shards_cover_the_dataset_disjoint_but_for_round_up_padding(ddp_records):
    for stage in ('train', 'val'):
        for epoch in ('0', '1'):
            shards = [record[stage][epoch] for record in ddp_records]
            assert [len(shard) for shard in shards] == [6, 6]  # ceil(11 / 2) each
            counts = Counter(shards[0] + shards[1])
            assert set(counts) == set(range(SIZE))
            repeated = [index for index, count in counts.items() if count > 1]
            assert len(repeated) == 1 and counts[repeated[0]] == 2
            # round_up repeats the head of the epoch's order: rank 1's last index is
            # the first index rank 0 saw
            assert shards[1][-1] == shards[0][0] == repeated[0]


def test_train_order_reshuffles_each_epoch(ddp_records):
    for record in ddp_records:
        assert record['train']['0'] != record['train']['1']
        assert record['val']['0'] == record['val']['1']
