"""DETSİS numbers: the python-stdnum shape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import detsis


@pytest.mark.parametrize("raw", ["23444165", " 2344 4165 ", "2344-4165", "2344.4165", 23444165])
def test_compact_and_validate(raw: object) -> None:
    assert detsis.validate(raw) == "23444165"  # type: ignore[arg-type]
    assert detsis.format(raw) == "23444165"  # type: ignore[arg-type]
    assert detsis.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "reason", "cls"),
    [
        ("2344416", "length", detsis.InvalidLength),
        ("234441650", "length", detsis.InvalidLength),
        ("03444165", "leading_zero", detsis.InvalidFormat),
        ("2344416A", "digits", detsis.InvalidFormat),
        ("٢٣٤٤٤١٦٥", "digits", detsis.InvalidFormat),  # Arabic-Indic digits are not ASCII digits
        ("", "empty", detsis.InvalidFormat),
    ],
)
def test_invalid_numbers(raw: str, reason: str, cls: type[Exception]) -> None:
    with pytest.raises(cls) as info:
        detsis.validate(raw)
    assert info.value.code == "detsis.invalid_format"  # type: ignore[attr-defined]
    assert info.value.details["reason"] == reason  # type: ignore[attr-defined]
    assert not detsis.is_valid(raw)


def test_non_strings_are_invalid() -> None:
    for junk in (None, True, 1.5, b"23444165", ["23444165"]):
        assert detsis.is_valid(junk) is False


@given(st.one_of(st.text(), st.integers(), st.binary(), st.none(), st.floats()))
def test_is_valid_never_raises(junk: object) -> None:
    assert isinstance(detsis.is_valid(junk), bool)
