"""load_from_pavi: the pavi:// scheme of CheckpointLoader, with pavi's model cloud mocked."""
from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock, patch

import pytest
import torch

from mmlightning.runner.checkpoint import CheckpointLoader, load_from_pavi


class CloudModel:
    name = 'weights.pth'

    def __init__(self, weights: dict) -> None:
        self.weights = weights

    def download(self, path: str) -> None:
        torch.save(self.weights, path)


def test_pavi_scheme_downloads_and_loads() -> None:
    pavi = MagicMock()
    pavi.modelcloud.get.return_value = CloudModel(dict(w=torch.ones(2)))
    with patch.dict(sys.modules, {'pavi': pavi}):
        assert CheckpointLoader._get_checkpoint_loader('pavi://a/b.pth') is load_from_pavi
        checkpoint = CheckpointLoader.load_checkpoint('pavi://a/b.pth')
    pavi.modelcloud.get.assert_called_once_with('a/b.pth')
    assert torch.equal(checkpoint['w'], torch.ones(2))


def test_pavi_errors(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match='Expected filename startswith `pavi://`'):
        load_from_pavi(str(tmp_path / 'a.pth'))
    with patch.dict(sys.modules, {'pavi': None}):
        with pytest.raises(ImportError, match='Please install pavi'):
            load_from_pavi('pavi://a.pth')
