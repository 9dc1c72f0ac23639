import numpy as np
import pytest

from optimlab.compare import against_lecture, relative_difference, styled


def test_relative_difference_is_the_largest_elementwise():
    assert relative_difference(3.0, 3.0) == 0.0
    assert relative_difference([1.0, 2.0], [1.0, 4.0]) == pytest.approx(0.5)


def test_relative_difference_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        relative_difference([1.0, 2.0], [1.0])


def test_against_lecture_keeps_the_lecture_order_and_computes_differences():
    table = against_lecture({"b": 2.2, "a": 1.0}, {"a": 1.0, "b": 2.0}, index_name="run")
    assert table.index.tolist() == ["a", "b"] and table.index.name == "run"
    np.testing.assert_allclose(table["relative difference"], [0.0, 0.1])
    assert table.loc["b", "lecture"] == 2.0 and table.loc["b", "this build"] == 2.2


def test_against_lecture_names_missing_keys():
    with pytest.raises(ValueError, match=r"only in ours \['c'\].*only in the lecture's \['b'\]"):
        against_lecture({"a": 1.0, "c": 2.0}, {"a": 1.0, "b": 2.0})


def test_styled_formats_differences_in_scientific_notation():
    html = styled(against_lecture({"x": 1.0 + 1e-9}, {"x": 1.0})).to_html()
    assert "1.0e-09" in html and 'class="dataframe"' in html
