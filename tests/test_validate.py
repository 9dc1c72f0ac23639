import numpy as np
import pytest

from optimlab.validate import require_x64, whole_number


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_whole_numbers_of_any_integer_type_come_back_as_int(value):
    out = whole_number("epochs", value)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (True, {}, r"epochs must be a whole number >= 1, got True"),
        (2.0, {}, r"epochs must be a whole number >= 1, got 2\.0"),
        ("3", {}, r"epochs must be a whole number >= 1, got '3'"),
        (0, {}, r"epochs must be a whole number >= 1, got 0"),
        (-1, {"low": 0}, r"epochs must be a whole number >= 0, got -1"),
        (2.5, {"high": 4}, r"epochs must be a whole number, got 2\.5"),
        (5, {"high": 4}, r"epochs must be between 1 and 4, got 5"),
        (0, {"high": 4, "high_text": "the rows (4)"}, r"between 1 and the rows \(4\), got 0"),
    ],
)
def test_what_is_not_a_whole_number_in_range_is_refused_by_name(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        whole_number("epochs", value, **kwargs)


def test_require_x64_passes_in_float64_and_says_the_fix_in_float32():
    import jax

    require_x64()  # the root conftest.py switches float64 on, as the pages do
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(RuntimeError, match=r"jax_enable_x64', True\)"):
            require_x64()
    finally:
        jax.config.update("jax_enable_x64", True)
