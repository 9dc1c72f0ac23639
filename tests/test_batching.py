"""Tests for optimlab.batching: the lecture's batch order and the input checks."""

import numpy as np
import pytest

from optimlab.batching import (
    check_fit_args,
    epoch_axis,
    padded_batches,
    shuffled_batches,
    steps_per_epoch,
)


def lecture_batches(n, batch_size, seed):
    """The lecture's order, verbatim: shuffle range(n) once, reshape into batches."""
    rng = np.random.default_rng(seed)
    batches = np.array(range(n))
    rng.shuffle(batches)
    return batches.reshape(-1, batch_size)


@pytest.mark.parametrize("n, batch_size, seed", [(200, 10, 1234), (200, 200, 1234), (60, 1, 7), (10_000, 100, 1234)])
def test_shuffled_batches_reproduce_the_lecture_order(n, batch_size, seed):
    ours = shuffled_batches(n, batch_size, seed)
    expected = lecture_batches(n, batch_size, seed)
    assert len(ours) == expected.shape[0] == n // batch_size
    np.testing.assert_array_equal(np.stack(ours), expected)


def test_shuffled_batches_depend_on_the_seed():
    a = np.concatenate(shuffled_batches(100, 10, seed=1))
    b = np.concatenate(shuffled_batches(100, 10, seed=2))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, np.concatenate(shuffled_batches(100, 10, seed=1)))


@pytest.mark.parametrize("n, batch_size", [(200, 30), (10, 3), (7, 6), (5, 2)])
def test_every_row_once_per_epoch_with_a_short_last_batch(n, batch_size):
    batches = shuffled_batches(n, batch_size, seed=1234)
    sizes = [len(b) for b in batches]
    assert len(batches) == steps_per_epoch(n, batch_size) == -(-n // batch_size)
    assert sizes[:-1] == [batch_size] * (len(batches) - 1)
    assert sizes[-1] == n - batch_size * (len(batches) - 1)
    assert 0 < sizes[-1] < batch_size
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    # Same shuffle as the lecture's, just cut differently.
    order = np.arange(n)
    np.random.default_rng(1234).shuffle(order)
    np.testing.assert_array_equal(np.concatenate(batches), order)


def test_padded_batches_when_batch_size_divides():
    index, weight = padded_batches(200, 20, seed=3)
    np.testing.assert_array_equal(index, lecture_batches(200, 20, 3))
    assert weight.dtype == np.float64
    np.testing.assert_array_equal(weight, np.ones((10, 20)))


def test_padded_batches_pad_the_short_last_batch_with_zero_weight():
    n, bs = 23, 5
    index, weight = padded_batches(n, bs, seed=1234)
    batches = shuffled_batches(n, bs, seed=1234)
    assert index.shape == weight.shape == (5, 5)
    for i, b in enumerate(batches):
        np.testing.assert_array_equal(index[i, : len(b)], b)
    np.testing.assert_array_equal(weight[:-1], 1.0)
    np.testing.assert_array_equal(weight[-1], [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(index[-1, 3:], 0)  # padding points at row 0 ...
    # ... and the weighted rows are exactly the rows of the epoch, each once.
    used = index[weight == 1.0]
    np.testing.assert_array_equal(np.sort(used), np.arange(n))


@pytest.mark.parametrize("n, batch_size, epochs", [(10_000, 10_000, 30), (10_000, 100, 3), (200, 10, 2), (1, 1, 5)])
def test_epoch_axis_is_the_lecture_linspace(n, batch_size, epochs):
    expected = np.linspace(0, epochs, int(epochs * (n / batch_size) + 1))
    np.testing.assert_allclose(epoch_axis(n, batch_size, epochs), expected, rtol=0, atol=1e-12)


def test_epoch_axis_with_a_short_last_batch():
    # 10 rows in batches of 3: 4 steps per epoch, so each step is a quarter epoch.
    axis = epoch_axis(10, 3, 2)
    assert len(axis) == 2 * 4 + 1
    np.testing.assert_allclose(axis, np.arange(9) / 4)
    assert axis[-1] == 2.0


def test_check_fit_args_returns_ints():
    bs, ep = check_fit_args(np.ones((10, 2)), np.ones(10), batch_size=np.int64(5), epochs=np.int32(3))
    assert (bs, ep) == (5, 3)
    assert type(bs) is int and type(ep) is int
    assert check_fit_args(np.ones((10, 2)), np.ones(10), batch_size=10, epochs=1) == (10, 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0, "epochs": 1}, r"batch_size must be between 1 and the number of rows \(10\), got 0"),
        ({"batch_size": -1, "epochs": 1}, r"batch_size must be between 1 .* got -1"),
        ({"batch_size": 11, "epochs": 1}, r"between 1 and the number of rows \(10\), got 11"),
        ({"batch_size": 2.5, "epochs": 1}, r"batch_size must be a whole number, got 2\.5"),
        ({"batch_size": 2.0, "epochs": 1}, r"batch_size must be a whole number"),
        ({"batch_size": True, "epochs": 1}, r"batch_size must be a whole number"),
        ({"batch_size": "10", "epochs": 1}, r"batch_size must be a whole number"),
        ({"batch_size": 5, "epochs": 0}, r"epochs must be a whole number >= 1, got 0"),
        ({"batch_size": 5, "epochs": 1.5}, r"epochs must be a whole number >= 1, got 1\.5"),
    ],
)
def test_check_fit_args_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_fit_args(np.ones((10, 2)), np.ones(10), **kwargs)


def test_check_fit_args_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"X has 10, y has 9"):
        check_fit_args(np.ones((10, 2)), np.ones(9), batch_size=5, epochs=1)
    with pytest.raises(ValueError, match=r"X must be a 2-D matrix"):
        check_fit_args(np.ones(10), np.ones(10), batch_size=5, epochs=1)
