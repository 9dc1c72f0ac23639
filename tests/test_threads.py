"""Tests for optimlab.threads: the compiled Optax epoch timed in a one-thread process."""

import pytest

from optimlab.data import make_problem
from optimlab.threads import ONE_THREAD_XLA_FLAGS, time_compiled_subprocess
from optimlab.timing import Timing


def test_the_subprocess_times_every_batch_size_and_sees_the_flags():
    problem = make_problem(n_samples=60, n_features=3, n_informative=2)
    timings = time_compiled_subprocess(problem, [(10, 1e-3), (60, 1e-4)], repeats=2)
    assert sorted(timings) == [10, 60]
    for t in timings.values():
        assert isinstance(t, Timing) and t.label == "optax compiled (cpu, 1 thread)"
        assert len(t.seconds) == 2 and t.median > 0 and t.compile_s > 0
    assert "intra_op_parallelism_threads=1" in ONE_THREAD_XLA_FLAGS


def test_bad_flags_fail_loudly():
    problem = make_problem(n_samples=20, n_features=2, n_informative=1)
    with pytest.raises(RuntimeError, match="the timing subprocess failed"):
        time_compiled_subprocess(problem, [(10, 1e-3)], xla_flags="--no_such_xla_flag=1")


@pytest.mark.parametrize("pairs, repeats, match", [([], 5, "at least one"),
                                                   ([(10, 1e-3)], 0, "repeats")])
def test_bad_arguments_raise(pairs, repeats, match):
    problem = make_problem(n_samples=20, n_features=2, n_informative=1)
    with pytest.raises(ValueError, match=match):
        time_compiled_subprocess(problem, pairs, repeats=repeats)
