"""MMEngine's plain-text progress line, for streams that are not a terminal."""
from __future__ import annotations

from shutil import get_terminal_size
from typing import TextIO

from .timer import Timer


class TextProgress:
    """Writes MMEngine's progress text: one ``\\r``-prefixed line per update.

    The text is MMEngine 0.10.7's, character for character, so logs and tools that
    parse it see the same lines. The bar narrows to fit the terminal width
    (``COLUMNS``), as MMEngine's does.

    Args:
        task_num: Total number of tasks; 0 when unknown (only counts are shown).
        bar_width: Largest width of the bar in characters.
        file: Stream to write to.
    """

    def __init__(self, task_num: int, bar_width: int, file: TextIO) -> None:
        self.task_num = task_num
        self.bar_width = bar_width
        self.file = file
        self.timer = Timer(start=False)

    def start(self) -> None:
        """Write the initial state and start the clock."""
        if self.task_num > 0:
            self.file.write(f'[{" " * self.bar_width}] 0/{self.task_num}, elapsed: 0s, ETA:')
        else:
            self.file.write('completed: 0, elapsed: 0s')
        self.file.flush()
        self.timer.start()

    def update(self, completed: int) -> None:
        """Write the line for ``completed`` tasks done."""
        elapsed = self.timer.since_start()
        fps = completed / elapsed if elapsed > 0 else float('inf')
        if self.task_num > 0:
            percentage = completed / float(self.task_num)
            eta = int(elapsed * (1 - percentage) / percentage + 0.5)
            msg = (f'\r[{{}}] {completed}/{self.task_num}, {fps:.1f} task/s, '
                   f'elapsed: {int(elapsed + 0.5)}s, ETA: {eta:5}s')
            columns = get_terminal_size().columns
            bar_width = max(2, min(self.bar_width, columns - len(msg) + 2, int(columns * 0.6)))
            marks = int(bar_width * percentage)
            self.file.write(msg.format('>' * marks + ' ' * (bar_width - marks)))
        else:
            self.file.write(f'completed: {completed}, elapsed: {int(elapsed + 0.5)}s, '
                            f'{fps:.1f} tasks/s')
        self.file.flush()

    def stop(self) -> None:
        """End the line."""
        self.file.write('\n')
        self.file.flush()
