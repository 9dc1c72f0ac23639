import jax.numpy as jnp
import numpy as np
import torch

from optimlab.gluing import plain


def test_array_scalars_become_python_numbers():
    for value, expected in [
        (np.float64(0.25), 0.25),
        (np.int64(7), 7),
        (jnp.asarray(1.5), 1.5),
        (torch.tensor(2.5, dtype=torch.float64), 2.5),
        (np.array(3.0), 3.0),
    ]:
        out = plain(value)
        assert type(out) in (int, float) and out == expected, (value, out)
        assert f"{out:.2f}" == f"{expected:.2f}"


def test_everything_else_is_left_alone():
    arr = np.arange(3)
    assert plain(arr) is arr
    assert plain("No GPU") == "No GPU"
    assert plain(4) == 4
