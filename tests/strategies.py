"""Hypothesis strategies for what DynamoDB stores: exact numbers, strings, booleans, nulls, lists and maps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

#: Text DynamoDB accepts: any Unicode but lone surrogates.
text = st.text(st.characters(codec="utf-8"), max_size=12)
names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8).filter(lambda n: n != "_version")
#: Numbers of up to 38 significant digits, well inside DynamoDB's exponent range.
numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.builds(
        lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
        st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
        st.integers(min_value=-90, max_value=80),
    ),
)
scalars = st.one_of(text, numbers, st.booleans(), st.none())
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(names, children, max_size=4),
    ),
    max_leaves=12,
)


def items(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Items with a string ``id`` and a few attributes of any kind (never ``_version``, which servers own)."""
    # No "/" in ids: a path segment cannot carry one through the gateway, even percent-encoded.
    key = (
        ids
        if ids is not None
        else st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=16)
    )
    return st.builds(
        lambda item_id, attributes: {"id": item_id, **attributes},
        key,
        st.dictionaries(names.filter(lambda n: n != "id"), values, max_size=5),
    )
