"""Tests for optimlab.torch_fit: the same experiments in PyTorch, number for number."""

import dataclasses

import numpy as np
import optax
import pytest
import torch

from optimlab.data import least_squares, make_problem
from optimlab.history import History
from optimlab.optax_fit import fit_optax
from optimlab.torch_fit import LinearModel, exponential_decay, fit_torch
from tests.lecture_check import load


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


def max_rel_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def sgd(lr):
    return lambda params: torch.optim.SGD(params, lr=lr)


@pytest.mark.parametrize("batch_size, lr", [(10, 1e-3), (30, 1e-3), (200, 2e-3)])
def test_torch_sgd_equals_optax_sgd(small, batch_size, lr):
    ours = fit_torch(small, sgd(lr), epochs=3, batch_size=batch_size, loader="pregathered")
    ref = fit_optax(small, optax.sgd(lr), epochs=3, batch_size=batch_size)
    assert ours.loss.shape == ref.loss.shape
    np.testing.assert_array_equal(ours.epoch, ref.epoch)
    assert max_rel_diff(ours.loss, ref.loss) <= 1e-9
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-9)


@pytest.mark.parametrize("batch_size", [10, 30])
def test_dataloader_and_pregathered_batches_are_identical(small, batch_size):
    a = fit_torch(small, sgd(1e-3), epochs=2, batch_size=batch_size, loader="dataloader")
    b = fit_torch(small, sgd(1e-3), epochs=2, batch_size=batch_size, loader="pregathered")
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.params, b.params)
    assert (a.loop, b.loop) == ("dataloader", "pregathered")


def test_adam_with_exponential_decay_matches_optax(small):
    def make_adam(params):
        return torch.optim.Adam(params, lr=1.0, betas=(0.9, 0.999), eps=1e-8)

    def make_scheduler(opt):
        return torch.optim.lr_scheduler.LambdaLR(opt, exponential_decay(1.0, 10, 0.9))

    ours = fit_torch(small, make_adam, make_scheduler=make_scheduler, epochs=2, batch_size=20,
                     loader="pregathered")
    ref = fit_optax(
        small,
        optax.adam(optax.schedules.exponential_decay(init_value=1.0, transition_steps=10, decay_rate=0.9),
                   b1=0.9, b2=0.999, eps=1e-8),
        epochs=2,
        batch_size=20,
    )
    assert max_rel_diff(ours.loss, ref.loss) <= 1e-6
    # ... and the schedule matters: without it the trace is clearly different.
    plain = fit_torch(small, make_adam, epochs=2, batch_size=20, loader="pregathered")
    assert max_rel_diff(plain.loss, ref.loss) > 1e-3


def test_exponential_decay_matches_optax_schedule():
    ours = exponential_decay(1.0, 100, 0.9)
    theirs = optax.schedules.exponential_decay(init_value=1.0, transition_steps=100, decay_rate=0.9)
    for step in [0, 1, 50, 100, 250, 2000]:
        assert ours(step) == pytest.approx(float(theirs(step)), rel=1e-6)
    assert ours(0) == 1.0 and ours(200) == pytest.approx(0.81, rel=1e-12)
    with pytest.raises(ValueError, match=r"transition_steps must be >= 1, got 0"):
        exponential_decay(1.0, 0, 0.9)


def test_torch_history_has_the_optax_type_and_fields(small):
    t = fit_torch(small, sgd(1e-3), epochs=2, batch_size=50, label="sgd (mb=50)")
    o = fit_optax(small, optax.sgd(1e-3), epochs=2, batch_size=50, label="sgd (mb=50)")
    assert type(t) is type(o) is History
    assert [f.name for f in dataclasses.fields(t)] == [f.name for f in dataclasses.fields(o)]
    for name in ("label", "batch_size", "epochs"):
        assert getattr(t, name) == getattr(o, name)
    assert t.loss.dtype == o.loss.dtype == np.float64
    assert t.params.shape == o.params.shape == (small.k,)
    assert isinstance(t.params, np.ndarray)
    assert (t.framework, o.framework) == ("torch", "optax")
    assert t.status == o.status == "ok"


def test_fit_torch_starts_from_given_params(small):
    beta_hat, lm_loss = least_squares(small)
    h = fit_torch(small, sgd(0.0), epochs=1, batch_size=200, params=beta_hat)
    assert h.loss[0] == pytest.approx(lm_loss, rel=1e-12)
    np.testing.assert_allclose(h.params, beta_hat, rtol=1e-14)


def test_fit_torch_does_not_modify_the_given_params(small):
    start = np.ones(small.k)
    fit_torch(small, sgd(1e-3), epochs=1, batch_size=50, params=start)
    np.testing.assert_array_equal(start, np.ones(small.k))


def test_a_diverging_torch_run_is_reported_not_raised(small):
    h = fit_torch(small, sgd(10.0), epochs=100, batch_size=200, loader="pregathered")
    assert h.diverged
    assert "diverged" in h.status
    assert h.final_loss == float("inf")


def test_bad_loader_name_raises(small):
    with pytest.raises(ValueError, match=r"loader must be 'dataloader' or 'pregathered', got 'fast'"):
        fit_torch(small, sgd(1e-3), epochs=1, batch_size=10, loader="fast")


@pytest.mark.parametrize("make_optimizer", [torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1e-3), "sgd", None])
def test_non_callable_make_optimizer_raises_type_error(small, make_optimizer):
    with pytest.raises(TypeError, match=r"make_optimizer must be a function of the parameters"):
        fit_torch(small, make_optimizer, epochs=1, batch_size=10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0, "epochs": 1}, r"batch_size must be between 1 and the number of rows \(200\), got 0"),
        ({"batch_size": 500, "epochs": 1}, r"got 500"),
        ({"batch_size": 12.5, "epochs": 1}, r"batch_size must be a whole number"),
        ({"batch_size": 10, "epochs": 0}, r"epochs must be a whole number >= 1"),
    ],
)
def test_bad_fit_arguments_raise(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_torch(small, sgd(1e-3), **kwargs)


def test_bad_params_shape_raises(small):
    with pytest.raises(ValueError, match=r"beta must have shape \(6,\), got \(5,\)"):
        fit_torch(small, sgd(1e-3), epochs=1, batch_size=10, params=np.zeros(5))


def test_linear_model():
    model = LinearModel(3)
    assert isinstance(model.beta, torch.nn.Parameter)
    assert model.beta.dtype == torch.float64
    torch.testing.assert_close(model.beta.detach(), torch.zeros(3, dtype=torch.float64))
    model = LinearModel(2, beta=[1.0, -2.0])
    X = torch.tensor([[1.0, 1.0], [2.0, 0.5]], dtype=torch.float64)
    torch.testing.assert_close(model(X), torch.tensor([-1.0, 1.0], dtype=torch.float64))
    assert [name for name, _ in model.named_parameters()] == ["beta"]


@pytest.mark.parametrize("beta", [np.zeros(2), np.zeros((3, 1)), np.zeros(4)])
def test_linear_model_rejects_wrong_beta_shape(beta):
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        LinearModel(3, beta=beta)


def test_lecture_fidelity_torch_loss():
    # The lecture's torch.optim.SGD(lr=1e-5) on the full problem: torch_loss is the
    # loss before the 30th step, equal to the Optax gd_loss.
    h = fit_torch(make_problem(), sgd(1e-5), epochs=30, batch_size=10_000, loader="pregathered")
    assert h.loss[29] == pytest.approx(load()["torch_loss"].value, rel=1e-10)


def test_both_ways_of_computing_the_step_losses_agree(monkeypatch):
    import optimlab.torch_fit as tf

    X = torch.randn(50, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    trace = torch.randn(7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    one_product = tf._full_data_losses(trace, X, y)
    monkeypatch.setattr(tf, "_ONE_PRODUCT_ELEMENTS", 1)
    per_step = tf._full_data_losses(trace, X, y)
    torch.testing.assert_close(one_product, per_step, rtol=1e-13, atol=0)
    assert torch.allclose(per_step[0], ((y - X @ trace[0]) ** 2).sum())


def test_a_mean_loss_with_batch_size_times_the_rate_takes_the_same_steps(small):
    # mean = sum / b, so its gradient is b times smaller: lr * b gives the same steps
    b = 20
    total = fit_torch(small, sgd(1e-3), epochs=2, batch_size=b, loader="pregathered")
    mean = fit_torch(small, sgd(1e-3 * b), epochs=2, batch_size=b, loader="pregathered",
                     loss="mean")
    assert max_rel_diff(mean.loss, total.loss) <= 1e-12
    # ... and with the summed loss's rate the mean loss moves b times less far
    slow = fit_torch(small, sgd(1e-3), epochs=2, batch_size=b, loader="pregathered",
                     loss="mean")
    assert slow.loss[-1] > total.loss[-1]


def test_bad_loss_name_raises(small):
    with pytest.raises(ValueError, match=r"loss must be 'sum' or 'mean', got 'l1'"):
        fit_torch(small, sgd(1e-3), epochs=1, batch_size=10, loss="l1")
