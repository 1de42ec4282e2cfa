"""Greedy suppression (the loop of every NMS) solved block by block with tensor operations.

Boxes are sorted by score. Box ``j`` is kept when no kept box before it suppresses it: a recursion
over the sorted order whose solution is the only fixed point of
``keep[j] = not any(keep[i] and suppresses[i, j] for i < j)``. Within a block of boxes the fixed
point is reached by iterating that equation (after ``t`` rounds the first ``t`` entries are final,
so at most one round per box of the block, usually two or three); then the kept boxes of the block
suppress every later box at once. Memory is one block's rows of the suppression matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

#: Boxes per block: the rows of the suppression matrix held at once.
BLOCK = 128


def greedy_keep(count: int, suppresses: Callable[[int, int], Tensor],
                device: torch.device | str = 'cpu',
                block: int = BLOCK) -> tuple[Tensor, Tensor]:
    """Which of ``count`` score-sorted boxes a greedy NMS keeps, and who suppressed the others.

    Args:
        count: The number of boxes, sorted by descending score.
        suppresses: ``suppresses(start, stop)`` is a bool matrix of shape
            ``(stop - start, count - start)``: whether box ``start + r`` would suppress box
            ``start + c`` (only entries with ``c > r`` are read).
        device: Where the result tensors live.
        block: Boxes per block.

    Returns:
        ``keep`` (bool, per sorted box) and ``owner`` (long, per sorted box: the first kept box
        that suppressed it, ``-1`` for kept boxes).
    """
    keep = torch.zeros(count, dtype=torch.bool, device=device)
    owner = torch.full((count,), -1, dtype=torch.long, device=device)
    for start in range(0, count, block):
        stop = min(start + block, count)
        size = stop - start
        rows = torch.arange(size, device=device)
        later = torch.arange(count - start, device=device)[None, :] > rows[:, None]
        matrix = suppresses(start, stop) & later
        inner = matrix[:, :size]
        alive = owner[start:stop] < 0
        kept = alive.clone()
        for _ in range(size + 1):
            updated = alive & ~(inner & kept[:, None]).any(0)
            if torch.equal(updated, kept):
                break
            kept = updated
        keep[start:stop] = kept
        by_kept = matrix & kept[:, None]
        hit = by_kept.any(0)
        first = start + by_kept.to(torch.uint8).argmax(0)
        tail = owner[start:]
        owner[start:] = torch.where(hit & (tail < 0), first, tail)
    return keep, owner
