"""HistoryBuffer: statistics, limits, lazy tensors, pickling."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

from mmlightning.logging import HistoryBuffer
from mmlightning.logging.history_buffer import materialize


@pytest.fixture
def host_copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every Tensor.item / Tensor.tolist call (each is a device-to-host copy)."""
    calls: list[str] = []
    for name in ('item', 'tolist'):
        original = getattr(torch.Tensor, name)

        def counted(self: torch.Tensor, *args: object, _name: str = name,
                    _original: object = original) -> object:
            calls.append(_name)
            return _original(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(torch.Tensor, name, counted)
    return calls


def test_statistics_over_windows() -> None:
    buffer = HistoryBuffer()
    for value in (1, 5, 2, 8):
        buffer.update(value)
    assert buffer.mean() == 4.0
    assert buffer.mean(2) == 5.0
    assert buffer.mean(100) == 4.0  # longer than the history: all of it
    assert buffer.mean(0) == 4.0  # as in MMEngine, [-0:] is the whole history
    assert buffer.max() == 8 and buffer.max(3) == 8 and buffer.max(1) == 8
    assert buffer.min() == 1 and buffer.min(2) == 2
    assert buffer.current() == 8
    assert buffer.statistics('mean', 2) == 5.0
    assert buffer.statistics('max', window_size=3) == 8


def test_mean_is_weighted_by_count() -> None:
    buffer = HistoryBuffer([6.0, 4.0], [3, 1])  # sums of 3 and 1 samples
    assert buffer.mean() == pytest.approx(10 / 4)
    assert buffer.mean(1) == 4.0


def test_dtypes_follow_numpy_append_like_mmengine() -> None:
    empty_start = HistoryBuffer()
    empty_start.update(1)
    assert empty_start.data[0].dtype == np.float64  # appended to np.array([])
    int_start = HistoryBuffer([1], [1])
    int_start.update(2)
    assert int_start.data[0].dtype == np.int64
    tensor_start = HistoryBuffer([torch.tensor(3)], [1])
    assert tensor_start.data[0].dtype == np.int64
    assert isinstance(tensor_start.current(), np.int64)


def test_max_length_keeps_the_latest() -> None:
    with pytest.warns(UserWarning, match=r'exceeds the max_length\(2\)'):
        buffer = HistoryBuffer([1, 2, 3], [1, 1, 1], max_length=2)
    assert buffer.data[0].tolist() == [2, 3]
    for value in (4, 5, 6):
        buffer.update(value)
    assert buffer.data[0].tolist() == [5, 6]
    assert buffer.data[1].tolist() == [1, 1]


def test_unread_tensors_are_bounded_by_max_length() -> None:
    buffer = HistoryBuffer(max_length=3)
    for value in range(10):
        buffer.update(torch.tensor(float(value)))
    assert len(buffer._pending_values) == 3
    assert buffer.data[0].tolist() == [7.0, 8.0, 9.0]


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match='same length, got 2 and 1'):
        HistoryBuffer([1, 2], [1])
    buffer = HistoryBuffer()
    with pytest.raises(TypeError, match="log_val must be an int, float or one-element tensor, "
                                        "got str: 'a'"):
        buffer.update('a')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='count must be an int or float, got str'):
        buffer.update(1, count='2')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r'one element, got a tensor of shape \(2,\)'):
        buffer.update(torch.ones(2))
    with pytest.raises(ValueError, match=r'empty: call update\(\) before current\(\)'):
        buffer.current()
    buffer.update(1)
    with pytest.raises(TypeError, match="window_size must be an int or None, got str: '2'"):
        buffer.mean('2')  # type: ignore[arg-type]


def test_argument_errors_are_also_assertion_errors_as_mmengine_asserts() -> None:
    with pytest.raises(AssertionError):
        HistoryBuffer([1, 2], [1])
    with pytest.raises(AssertionError):
        HistoryBuffer().mean('2')  # type: ignore[arg-type]


def test_a_whole_tensor_is_read_as_a_history_like_an_array() -> None:
    buffer = HistoryBuffer(torch.tensor([1.0, 3.0]), torch.tensor([1, 1]))
    values, counts = buffer.data
    assert isinstance(values, np.ndarray) and values.tolist() == [1.0, 3.0]
    assert counts.tolist() == [1, 1]
    assert buffer.mean() == 2.0


def test_statistics_by_name_and_registration() -> None:
    @HistoryBuffer.register_statistics
    def last_sum(self: HistoryBuffer, window_size: int) -> float:
        return float(self.data[0][-window_size:].sum())

    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert buffer.statistics('last_sum', 2) == 5.0
    with pytest.raises(ValueError, match="'last_sum' is already registered"):
        HistoryBuffer.register_statistics(last_sum)
    with pytest.raises(ValueError, match="'mean' is already registered"):
        def mean(self: HistoryBuffer) -> float:
            return 0.0
        HistoryBuffer.register_statistics(mean)
    with pytest.raises(KeyError, match="'mena' has not been registered.*Did you mean 'mean'"):
        buffer.statistics('mena')


def test_tensors_are_converted_lazily_in_one_copy(host_copies: list[str]) -> None:
    buffer = HistoryBuffer()
    for value in range(5):
        buffer.update(torch.tensor(float(value)))
    assert host_copies == []  # no synchronisation while logging
    assert buffer.mean() == 2.0
    assert host_copies == ['tolist']  # all pending values in one transfer
    assert buffer.current() == 4.0
    assert host_copies == ['tolist']


def test_logged_tensor_is_a_detached_snapshot() -> None:
    weight = torch.tensor(2.0, requires_grad=True)
    loss = weight * 3
    running = torch.tensor([1.0])
    buffer = HistoryBuffer()
    buffer.update(loss)
    buffer.update(running)  # a one-element 1-d tensor is accepted too
    running.add_(10)  # later in-place changes do not alter what was logged
    assert not buffer._pending_values[0].requires_grad
    assert buffer.data[0].tolist() == [6.0, 1.0]


def test_materialize_many_buffers_once_per_dtype(host_copies: list[str]) -> None:
    losses, steps, plain = HistoryBuffer(), HistoryBuffer([torch.tensor(1)], [1]), HistoryBuffer()
    for value in range(3):
        losses.update(torch.tensor(value + 0.5))
        steps.update(torch.tensor(value + 2))
        plain.update(value)
    materialize([losses, steps, plain])
    assert sorted(host_copies) == ['tolist', 'tolist']  # float32 group and int64 group
    assert losses.data[0].tolist() == [0.5, 1.5, 2.5]
    assert steps.data[0].tolist() == [1, 2, 3, 4] and steps.data[0].dtype == np.int64
    assert plain.data[0].tolist() == [0.0, 1.0, 2.0]


def test_pickle_and_deepcopy_hold_numbers_only() -> None:
    buffer = HistoryBuffer(max_length=50)
    buffer.update(torch.tensor(1.5), count=2)
    buffer.update(3.5)
    state = buffer.__getstate__()
    assert set(state) == {'max_length', '_log_history', '_count_history', 'statistics_methods'}
    assert state['_log_history'].tolist() == [1.5, 3.5]
    restored = pickle.loads(pickle.dumps(buffer))
    assert restored.max_length == 50 and restored.mean() == pytest.approx(5.0 / 3)
    restored.update(torch.tensor(2.0))
    assert restored.current() == 2.0
    copied = copy.deepcopy(buffer)
    assert copied.data[0].tolist() == [1.5, 3.5] and copied.data[1].tolist() == [2, 1]


def test_custom_statistics_travel_with_the_state() -> None:
    def spread(self: HistoryBuffer) -> float:
        return float(self.max() - self.min())

    HistoryBuffer.register_statistics(spread)
    state = HistoryBuffer([1, 4], [1, 1]).__getstate__()
    HistoryBuffer._statistics_methods.pop('spread')
    restored = HistoryBuffer.__new__(HistoryBuffer)
    restored.__setstate__(state)
    assert restored.statistics('spread') == 3.0
