"""Tests for optimlab.optax_fit: the lecture's loop, the compiled loop, known answers."""

import numpy as np
import optax
import pytest

from optimlab.data import least_squares, make_problem
from optimlab.history import History
from optimlab.optax_fit import CompiledLoop, fit_optax, optax_optimize
from tests.lecture_check import disagreement, load

LECTURE = load()  # the lecture's printed numbers (book/optimlab/lecture_values.yml)


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


@pytest.fixture(scope="module")
def lecture():
    return make_problem()


def max_rel_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.abs(b)))


@pytest.mark.parametrize(
    "make_optimizer, batch_size, epochs",
    [
        (lambda: optax.sgd(1e-3), 10, 3),
        (lambda: optax.sgd(1e-3), 30, 3),  # 30 does not divide 200: short last batch
        (lambda: optax.sgd(2e-3), 200, 5),  # full batch
        (lambda: optax.adam(0.5), 20, 2),
        (lambda: optax.adam(optax.exponential_decay(1.0, 10, 0.9)), 30, 2),
    ],
    ids=["sgd-bs10", "sgd-bs30-short-batch", "sgd-full-batch", "adam-bs20", "adam-schedule-bs30"],
)
def test_compiled_loop_equals_the_lecture_loop(small, make_optimizer, batch_size, epochs):
    ref = optax_optimize(small, make_optimizer(), epochs=epochs, batch_size=batch_size)
    fast = fit_optax(small, make_optimizer(), epochs=epochs, batch_size=batch_size)
    assert ref.loop == "lecture" and fast.loop == "compiled"
    assert ref.loss.shape == fast.loss.shape == (epochs * -(-200 // batch_size) + 1,)
    np.testing.assert_array_equal(ref.epoch, fast.epoch)
    assert max_rel_diff(fast.loss, ref.loss) <= 1e-12
    np.testing.assert_allclose(fast.params, ref.params, rtol=1e-12, atol=1e-12)


def test_lecture_loop_records_the_loss_before_every_step_and_at_the_end(small):
    h = optax_optimize(small, optax.sgd(0.0), epochs=2, batch_size=50)
    # With learning rate 0 nothing moves: every recorded loss is the starting loss.
    start = float(np.sum(small.y**2))
    assert len(h.loss) == 2 * 4 + 1
    np.testing.assert_allclose(h.loss, start, rtol=1e-14)
    np.testing.assert_array_equal(h.params, np.zeros(small.k))


def test_fit_optax_returns_a_history(small):
    h = fit_optax(small, optax.sgd(1e-3), epochs=2, batch_size=50, label="sgd (mb=50)")
    assert isinstance(h, History)
    assert (h.label, h.batch_size, h.epochs, h.framework, h.loop) == ("sgd (mb=50)", 50, 2, "optax", "compiled")
    assert h.params.shape == (small.k,)
    assert h.loss[0] == pytest.approx(float(np.sum(small.y**2)))
    assert h.final_loss < h.loss[0] and not h.diverged


def test_fit_optax_starts_from_given_params(small):
    beta_hat, lm_loss = least_squares(small)
    h = fit_optax(small, optax.sgd(0.0), epochs=1, batch_size=200, params=beta_hat)
    assert h.loss[0] == pytest.approx(lm_loss, rel=1e-12)
    np.testing.assert_allclose(h.params, beta_hat, rtol=1e-14)


@pytest.mark.parametrize(
    "optimizer, epochs",
    [
        (optax.sgd(2e-3), 300),
        (optax.sgd(1e-3, momentum=0.9), 500),
        (optax.sgd(1e-3, momentum=0.9, nesterov=True), 500),
        (optax.adam(0.5), 1000),
    ],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
def test_full_batch_descent_converges_to_least_squares(small, optimizer, epochs):
    beta_hat, lm_loss = least_squares(small)
    h = fit_optax(small, optimizer, epochs=epochs, batch_size=small.n)
    np.testing.assert_allclose(h.params, beta_hat, rtol=1e-6, atol=1e-6)
    assert h.final_loss == pytest.approx(lm_loss, rel=1e-9)
    assert h.final_loss >= lm_loss * (1 - 1e-12)  # nothing beats the least-squares loss


def test_compiled_loop_compiles_once_and_reuses_the_epoch(small):
    loop = CompiledLoop(small, optax.sgd(1e-3), batch_size=40)
    seconds = loop.compile()
    assert seconds > 0
    h1 = loop.fit(epochs=2)
    h2 = loop.fit(epochs=2)
    np.testing.assert_array_equal(h1.loss, h2.loss)
    params, state, losses = loop.epoch(h1.params, optax.sgd(1e-3).init(h1.params))
    assert np.asarray(losses).shape == (5,)  # one loss after each of the 5 steps
    assert float(losses[-1]) < h1.final_loss


def test_lecture_fidelity_full_batch_gradient_descent(lecture):
    h = fit_optax(lecture, optax.sgd(1e-5), epochs=30, batch_size=10_000)
    assert len(h.loss) == 31
    # sgd(1e-5), full batch: the loss before the 30th step (printed to 4 decimals) ...
    assert disagreement(LECTURE["gd_loss"], h.loss[29]) is None
    assert h.loss[29] == pytest.approx(LECTURE["torch_loss"].value, rel=1e-10)  # full repr
    # ... and after it, the last entry of the lecture's first SGD table
    assert h.final_loss == pytest.approx(LECTURE["sgd_same_lr_10000"].value, rel=1e-10)
    _, lm_loss = least_squares(lecture)
    assert lm_loss == pytest.approx(LECTURE["lm_loss"].value, rel=1e-10)
    assert h.final_loss > lm_loss


def test_lecture_fidelity_sgd_table_entry(lecture):
    h = fit_optax(lecture, optax.sgd(1e-5), epochs=30, batch_size=1000)
    assert h.final_loss == pytest.approx(LECTURE["sgd_same_lr_1000"].value, rel=1e-9)


@pytest.mark.parametrize("fit", [fit_optax, optax_optimize], ids=["compiled", "lecture"])
def test_a_diverging_run_is_reported_not_raised(small, fit):
    # Learning rate times batch size far above 1: the sum-of-squares step explodes.
    h = fit(small, optax.sgd(1.0), epochs=3, batch_size=50)
    assert h.diverged
    assert "diverged" in h.status
    assert h.final_loss > 1e10 * h.loss[0] or h.final_loss == float("inf")


def test_a_run_that_overflows_to_nan_is_diverged(small):
    h = fit_optax(small, optax.sgd(10.0), epochs=100, batch_size=200)
    assert not np.isfinite(h.loss).all()
    assert h.diverged and h.final_loss == float("inf")
    assert h.status.startswith("diverged: loss not finite from epoch")


@pytest.mark.parametrize("fit", [fit_optax, optax_optimize], ids=["compiled", "lecture"])
def test_bad_params_shape_raises(small, fit):
    with pytest.raises(ValueError, match=r"params must have shape \(6,\) .* got \(5,\)"):
        fit(small, optax.sgd(1e-3), epochs=1, batch_size=10, params=np.zeros(5))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0, "epochs": 1}, r"batch_size must be between 1 and the number of rows \(200\)"),
        ({"batch_size": 201, "epochs": 1}, r"got 201"),
        ({"batch_size": 10, "epochs": 0}, r"epochs must be a whole number >= 1"),
    ],
)
@pytest.mark.parametrize("fit", [fit_optax, optax_optimize], ids=["compiled", "lecture"])
def test_bad_fit_arguments_raise(small, fit, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(small, optax.sgd(1e-3), **kwargs)


def test_step_losses_evaluated_in_blocks_match_the_lecture_loop(small, monkeypatch):
    # Force the blocked loss evaluation (3 parameter vectors per matrix product, with
    # padding of the last block) that big problems with small batches go through.
    import optimlab.optax_fit as optax_fit

    monkeypatch.setattr(optax_fit, "_LOSS_BLOCK_ELEMENTS", 3 * small.n)
    fast = fit_optax(small, optax.sgd(1e-3), epochs=2, batch_size=20)
    ref = optax_optimize(small, optax.sgd(1e-3), epochs=2, batch_size=20)
    assert fast.loss.shape == (21,)
    assert max_rel_diff(fast.loss, ref.loss) <= 1e-12


@pytest.mark.parametrize("batch_size", [20, 30], ids=["even", "short-last-batch"])
def test_mean_loss_at_lr_times_b_takes_the_sum_loss_steps_at_lr(small, batch_size):
    # sgd(lr * b) on the batch mean == sgd(lr) on the batch sum (the gradient is 1/b of it).
    # With a short last batch the mean divides by that batch's own row count, so only
    # the full batches match; compare on a batch size that divides n for the full trace.
    lr = 1e-3
    by_sum = fit_optax(small, optax.sgd(lr), epochs=2, batch_size=batch_size)
    by_mean = fit_optax(small, optax.sgd(lr * batch_size), epochs=2, batch_size=batch_size,
                        loss="mean")
    steps = -(-small.n // batch_size)
    full = steps if small.n % batch_size == 0 else steps - 1  # losses before the short batch
    assert max_rel_diff(by_mean.loss[: full + 1], by_sum.loss[: full + 1]) <= 1e-12
    if small.n % batch_size == 0:
        np.testing.assert_allclose(by_mean.params, by_sum.params, rtol=1e-12, atol=1e-12)
    else:  # the short batch's mean gradient is scaled by 1/len, not 1/b
        assert not np.allclose(by_mean.params, by_sum.params, rtol=1e-9)


def test_mean_loss_divides_the_short_batch_by_its_own_rows(small):
    # Full batch (one step per epoch): mean == sum / n exactly.
    by_sum = fit_optax(small, optax.sgd(1e-3), epochs=3, batch_size=small.n)
    by_mean = fit_optax(small, optax.sgd(1e-3 * small.n), epochs=3, batch_size=small.n,
                        loss="mean")
    assert max_rel_diff(by_mean.loss, by_sum.loss) <= 1e-12


def test_bad_loss_raises(small):
    with pytest.raises(ValueError, match="loss must be 'sum' or 'mean', got 'max'"):
        fit_optax(small, optax.sgd(1e-3), epochs=1, batch_size=10, loss="max")


def test_fit_from_a_given_optimizer_state_reuses_the_compiled_epoch(small):
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=1e-3)
    loop = CompiledLoop(small, opt, batch_size=20)
    state = opt.init(np.zeros(small.k))
    state.hyperparams["learning_rate"] = np.asarray(2e-3)
    h = loop.fit(epochs=2, opt_state=state)
    ref = fit_optax(small, optax.sgd(2e-3), epochs=2, batch_size=20)
    assert max_rel_diff(h.loss, ref.loss) <= 1e-12
