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


def greedy_keep(count: int, suppresses: Callable[[Tensor, Tensor], Tensor],
                device: torch.device | str = 'cpu', owners: bool = False,
                block: int = BLOCK) -> tuple[Tensor, Tensor]:
    """Which of ``count`` score-sorted boxes a greedy NMS keeps, and who suppressed the others.

    Only boxes not yet suppressed are compared: each block's surviving boxes against the
    surviving boxes from the block on.

    Args:
        count: The number of boxes, sorted by descending score.
        suppresses: ``suppresses(rows, cols)`` (two long tensors of sorted positions) is the bool
            matrix of whether box ``rows[r]`` would suppress box ``cols[c]``; it must be
            symmetric in the boxes (only entries with ``cols[c] > rows[r]`` are used).
        device: Where the result tensors live.
        owners: Also find, for each suppressed box, the kept box that suppressed it.
        block: Boxes per block.

    Returns:
        ``keep`` (bool, per sorted box) and ``owner`` (long, per sorted box: the first kept box
        that suppressed it, ``-1`` for kept boxes; with ``owners`` False, any value ``>= 0``
        for suppressed boxes).
    """
    keep = torch.zeros(count, dtype=torch.bool, device=device)
    owner = torch.full((count,), -1, dtype=torch.long, device=device)
    for start in range(0, count, block):
        stop = min(start + block, count)
        rows = start + (owner[start:stop] < 0).nonzero()[:, 0]
        if rows.numel() == 0:
            continue
        # the surviving boxes of the block come first among the surviving columns
        cols = start + (owner[start:] < 0).nonzero()[:, 0]
        matrix = suppresses(rows, cols)
        size = rows.numel()
        inner = matrix[:, :size].triu_(1)
        kept = torch.ones(size, dtype=torch.bool, device=device)
        for _ in range(size + 1):
            updated = ~(inner & kept[:, None]).any(0)
            if torch.equal(updated, kept):
                break
            kept = updated
        keep[rows] = kept
        by_kept = matrix[kept]
        hit = by_kept.any(0)
        if owners:
            first = rows[kept][by_kept.to(torch.uint8).argmax(0)]
            owner[cols] = torch.where(hit, first, owner[cols])
        else:
            owner[cols] = hit.long() - 1
    return keep, owner
