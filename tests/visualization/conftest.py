"""Fixtures of the visualization tests: fresh Visualizer instances, an offline W&B reader."""
from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from mmlightning.visualization import Visualizer


@pytest.fixture(autouse=True)
def reset_visualizers() -> Iterator[None]:
    """Visualizer instances are process-wide; start and end each test without any."""
    Visualizer._instance_dict.clear()
    yield
    Visualizer._instance_dict.clear()


@pytest.fixture
def black_vis() -> Visualizer:
    """A visualizer holding a black 40x48 (H x W) image."""
    return Visualizer(image=np.zeros((40, 48, 3), dtype=np.uint8))


def _leveldb_records(data: bytes) -> list[bytes]:
    """Split a W&B ``.wandb`` file (a LevelDB log after a 7-byte header) into records."""
    block, pos, records, pending = 32768, 7, [], b''
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # block trailer padding
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack('<IHB', data[pos:pos + 7])
        chunk = data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind == 1:  # full
            records.append(chunk)
        elif kind == 2:  # first
            pending = chunk
        elif kind == 3:  # middle
            pending += chunk
        elif kind == 4:  # last
            records.append(pending + chunk)
    return records


@pytest.fixture
def read_wandb_run() -> Callable[[Path], dict[str, list]]:
    """Return ``read(run_file)``: history rows, config items and metric definitions of a run.

    ``run.finish()`` can return before W&B's service process has flushed the ``.wandb`` file
    (seen with wandb 0.31 offline: the file still holds only its 7-byte header), so ``read``
    waits, up to 30 s, until the run's ``exit`` record is on disk.
    """
    from google.protobuf.message import DecodeError
    from wandb.proto import wandb_internal_pb2 as pb

    def parse_finished(run_file: Path) -> list | None:
        """The run's records once its exit record is written, else None (still flushing)."""
        records = []
        for raw in _leveldb_records(run_file.read_bytes()):
            record = pb.Record()
            try:
                record.ParseFromString(raw)
            except DecodeError:  # the last record is only partly written
                return None
            records.append(record)
        finished = any(record.WhichOneof('record_type') == 'exit' for record in records)
        return records if finished else None

    def read(run_file: Path) -> dict[str, list]:
        deadline = time.monotonic() + 30
        while (records := parse_finished(run_file)) is None:
            assert time.monotonic() < deadline, f'{run_file} has no exit record after 30 s'
            time.sleep(0.1)
        out: dict[str, list] = {'history': [], 'config': [], 'metric': []}
        for record in records:
            kind = record.WhichOneof('record_type')
            if kind == 'history':
                out['history'].append({item.key or '/'.join(item.nested_key): item.value_json
                                       for item in record.history.item})
            elif kind == 'config':
                out['config'].extend((item.key or '/'.join(item.nested_key), item.value_json)
                                     for item in record.config.update)
            elif kind == 'metric':
                out['metric'].append(record.metric)
        return out

    return read
