"""The message hub's resumed keys travel in the checkpoint, loadable with weights_only=True."""
from __future__ import annotations

from pathlib import Path

import torch

from mmlightning.runner import Runner


def test_message_hub_survives_resume(experiment: dict, tmp_path: Path) -> None:
    first = Runner(**experiment)
    first.train()
    checkpoint = Path(first.work_dir) / 'epoch_2.ckpt'
    saved = torch.load(checkpoint, weights_only=True)  # no custom classes inside
    losses = saved['message_hub']['log_scalars']['train/loss']
    assert len(losses['log_history']) == 6 and saved['message_hub']['runtime_info']['iter'] == 5
    experiment.update(work_dir=str(tmp_path / 'resumed'), resume=str(checkpoint),
                      train_cfg=dict(by_epoch=True, max_epochs=3))
    resumed = Runner(**experiment)
    resumed.train()
    history, _ = resumed.message_hub.get_scalar('train/loss').data
    assert len(history) == 9  # 6 restored + 3 new
    assert torch.equal(torch.as_tensor(history[:6], dtype=torch.float64),
                       losses['log_history'])
