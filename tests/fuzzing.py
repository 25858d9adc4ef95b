"""Hypothesis strategies shared by the fuzz tests: JSON values of any shape."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy


def json_values(
    *, samples: list[str], keys: SearchStrategy[str], max_leaves: int = 6
) -> SearchStrategy[object]:
    """Any JSON value: null, booleans, integers beyond 64 bits, floats, text, the endpoint's
    own ``samples`` (values near the real ones), and lists and objects of them (object keys
    from ``keys``)."""
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**70), max_value=2**70),
            st.floats(allow_nan=False),
            st.text(max_size=200),
            st.sampled_from(samples),
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )
