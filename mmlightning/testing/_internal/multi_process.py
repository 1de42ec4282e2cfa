"""``MultiProcessTestCase``: run each test method in ``world_size`` spawned processes.

The contract of ``mmengine.testing._internal.MultiProcessTestCase`` (itself from
PyTorch's test suite): a subclass calls ``self._spawn_processes()`` in ``setUp``;
every test method then runs once per rank in a fresh process, with ``self.rank``
and ``self.file_name`` (a file for ``init_process_group('file://...')``) set, and
the main process (``rank == MAIN_PROCESS_RANK``) waits and reports the result.
"""
from __future__ import annotations

import functools
import logging
import sys
import tempfile
import time
import traceback
import unittest
from collections.abc import Callable
from typing import Any

import torch.multiprocessing as mp

logger = logging.getLogger(__name__)


class MultiProcessTestCase(unittest.TestCase):
    """A ``TestCase`` whose test methods run in one spawned process per rank.

    A child that raises exits with ``TEST_ERROR_EXIT_CODE`` and sends its
    traceback to the main process, which raises it as a ``RuntimeError``; a
    child that skips exits with ``SKIP_EXIT_CODE`` and the test is skipped.
    Test methods listed in ``skip_return_code_checks`` only need to not error.
    """

    MAIN_PROCESS_RANK = -1
    TEST_ERROR_EXIT_CODE = 10
    SKIP_EXIT_CODE = 13

    @property
    def world_size(self) -> int:
        """How many processes each test runs in."""
        return 2

    @property
    def timeout(self) -> int:
        """Seconds the main process waits for its children."""
        return 1000

    def prepare_subprocess(self) -> None:
        """Run in each child before its test (override to set up the environment)."""

    def __init__(self, methodName: str = 'runTest') -> None:  # noqa: N803 (unittest's name)
        super().__init__(methodName)
        test = getattr(self, methodName, None)
        if test is not None:
            setattr(self, methodName, self._join_or_run(test))

    def _join_or_run(self, test: Callable[[], Any]) -> Callable[[], Any]:
        @functools.wraps(test)
        def wrapper() -> Any:
            if self.rank == self.MAIN_PROCESS_RANK:
                return self._join_processes(test)
            return test()
        return wrapper

    def setUp(self) -> None:
        super().setUp()
        self.rank = self.MAIN_PROCESS_RANK
        self.processes: list[Any] = []
        self.pid_to_pipe: dict[int, Any] = {}
        self.skip_return_code_checks: list[Callable[[], Any]] = []
        with tempfile.NamedTemporaryFile(delete=False) as file:
            self.file_name = file.name

    def tearDown(self) -> None:
        super().tearDown()
        for process in self.processes:
            process.terminate()
        self.processes = []

    def _current_test_name(self) -> str:
        return self.id().split('.')[-1]

    def _start_processes(self, process_class: type) -> None:
        self.processes = []
        for rank in range(int(self.world_size)):
            parent_pipe, child_pipe = mp.Pipe()
            process = process_class(
                target=type(self)._run, name=f'process {rank}',
                args=(rank, self._current_test_name(), self.file_name, child_pipe))
            process.start()
            self.pid_to_pipe[process.pid] = parent_pipe
            self.processes.append(process)

    def _spawn_processes(self) -> None:
        self._start_processes(mp.get_context('spawn').Process)

    @classmethod
    def _run(cls, rank: int, test_name: str, file_name: str, pipe: Any) -> None:
        """The entry point of a child: build the case and run one test as ``rank``."""
        self = cls(test_name)
        self.rank = rank
        self.file_name = file_name
        try:
            self.prepare_subprocess()
            getattr(self, test_name)()
        except unittest.SkipTest as skip:
            logger.info('process %d skips %s: %s', rank, test_name, skip)
            sys.exit(cls.SKIP_EXIT_CODE)
        except Exception:  # noqa: BLE001 (any failure is reported to the main process)
            pipe.send(traceback.format_exc())
            sys.exit(cls.TEST_ERROR_EXIT_CODE)
        finally:
            pipe.close()

    def _join_processes(self, test: Callable[[], Any]) -> None:
        """Wait for the children (stop all at the first error) and check how they ended."""
        start = time.monotonic()
        while any(process.exitcode is None for process in self.processes):
            if any(p.exitcode == self.TEST_ERROR_EXIT_CODE for p in self.processes):
                break
            if time.monotonic() - start > self.timeout:
                break
            time.sleep(0.1)
        for process in self.processes:
            if process.exitcode is None:
                process.terminate()
                process.join()
        try:
            self._check_exit_codes(test, time.monotonic() - start)
        finally:
            for pipe in self.pid_to_pipe.values():
                pipe.close()

    def _check_exit_codes(self, test: Callable[[], Any], elapsed: float) -> None:
        errors = [
            f'Process {rank} exited with error code {self.TEST_ERROR_EXIT_CODE} and exception:\n'
            f'{self._received(process)}'
            for rank, process in enumerate(self.processes)
            if process.exitcode == self.TEST_ERROR_EXIT_CODE]
        if errors:
            raise RuntimeError('\n'.join(errors))
        if any(process.exitcode is None or process.exitcode < 0 for process in self.processes):
            raise RuntimeError(f'a process timed out or was killed after {elapsed:.0f} seconds')
        if test in self.skip_return_code_checks:
            return
        codes = [process.exitcode for process in self.processes]
        if codes[0] == self.SKIP_EXIT_CODE:
            raise unittest.SkipTest('skipped in a subprocess (see its log for the reason)')
        self.assertEqual(codes, [0] * len(codes), 'the processes exited with these codes')

    def _received(self, process: Any) -> str:
        pipe = self.pid_to_pipe[process.pid]
        return pipe.recv() if pipe.poll(5) else '(no traceback received)'
