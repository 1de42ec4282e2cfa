"""Classification samples for the metric tests (``run_two_ranks`` is in tests/conftest.py)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture
def class_samples() -> list[dict]:
    """Eleven classification data samples (dicts, as Evaluator passes them) over 4 classes."""
    generator = torch.Generator().manual_seed(0)
    scores = torch.rand(11, 4, generator=generator).softmax(dim=1)
    labels = torch.randint(0, 4, (11,), generator=generator)
    return [dict(sample_idx=i, pred_score=scores[i], pred_label=scores[i].argmax().reshape(1),
                 gt_label=labels[i].reshape(1)) for i in range(11)]
