import pytest

from optimlab.compare import relative_difference


def test_relative_difference_is_the_largest_elementwise():
    assert relative_difference(3.0, 3.0) == 0.0
    assert relative_difference([1.0, 2.0], [1.0, 4.0]) == pytest.approx(0.5)


def test_relative_difference_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        relative_difference([1.0, 2.0], [1.0])
