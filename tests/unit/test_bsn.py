from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from services.shared.bsn import Bsn, is_valid_bsn, mask_bsn

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


class Form(BaseModel):
    bsn: Bsn


def eleven_sum(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True))


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999996356"])
def test_known_valid_bsns_pass(bsn: str) -> None:
    assert is_valid_bsn(bsn)
    assert Form(bsn=bsn).bsn == bsn


FULL_WIDTH = "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13"  # looks like 111222333


@pytest.mark.parametrize("bsn", ["123456789", "111222334", "000000000", "12345678a", "1234567890", "", FULL_WIDTH])
def test_invalid_bsns_are_refused(bsn: str) -> None:
    assert not is_valid_bsn(bsn)
    with pytest.raises(ValidationError) as raised:
        Form(bsn=bsn)
    assert raised.value.errors()[0]["loc"] == ("bsn",)


def test_eight_digit_bsn_is_read_with_its_leading_zero() -> None:
    valid_with_zero = next(f"0{n:08d}" for n in range(10_000_000, 10_001_000) if is_valid_bsn(f"0{n:08d}"))
    assert Form(bsn=valid_with_zero[1:]).bsn == valid_with_zero


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_eleven_test_matches_the_weighted_sum(digits: str) -> None:
    total = eleven_sum(digits)
    assert is_valid_bsn(digits) == (total % 11 == 0 and total != 0)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_breaks_a_valid_bsn(prefix: str, delta: int) -> None:
    # find the check digit that makes prefix valid, if any; changing it must invalidate the number
    candidates = [prefix + str(d) for d in range(10) if is_valid_bsn(prefix + str(d))]
    for bsn in candidates:
        changed = bsn[:-1] + str((int(bsn[-1]) + delta) % 10)
        assert not is_valid_bsn(changed)


def test_mask_shows_only_the_last_three_digits() -> None:
    assert mask_bsn("111222333") == "******333"
