"""The one deprecation vocabulary (`_core/deprecation.py`): a renamed keyword or attribute keeps
working for a release, warns in one form, and refuses both names at once."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from xaiwidgets._core.deprecation import renamed_attribute, renamed_keywords


@renamed_keywords(sequences="X", test_lengths="lengths_test")
def fit(X=None, *, lengths_test=None):
    return X, lengths_test


class Result:
    y_pred = np.array([1, 2])
    pred = renamed_attribute("y_pred")


def test_old_keyword_is_passed_on_with_one_warning_form():
    with pytest.warns(FutureWarning) as rec:
        assert fit(sequences=3, test_lengths=4) == (3, 4)
    assert [str(w.message) for w in rec] == [
        "fit(): argument 'sequences' is deprecated and will be removed in the next release; "
        "use 'X'",
        "fit(): argument 'test_lengths' is deprecated and will be removed in the next release; "
        "use 'lengths_test'"]
    assert rec[0].filename == __file__  # points at the caller, not at the decorator


def test_new_keyword_is_silent_and_both_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit(X=1) == (1, None)
    with pytest.raises(TypeError, match=r"fit\(\): pass 'X' only \('sequences' is its "
                                        r"deprecated name\)"):
        fit(X=1, sequences=2)


def test_renamed_attribute_reads_the_new_one_with_a_warning():
    with pytest.warns(FutureWarning, match=r"^Result.pred is deprecated and will be removed in "
                                           r"the next release; use y_pred$") as rec:
        assert Result().pred is Result.y_pred
    assert rec[0].filename == __file__
    assert isinstance(Result.pred, renamed_attribute)  # the class attribute documents itself
    assert "y_pred" in Result.pred.__doc__
