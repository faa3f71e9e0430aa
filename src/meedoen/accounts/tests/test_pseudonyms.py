"""A resident's pseudonym must not change between releases: stored cases, consents and reads are
found by it. A known answer holds the function to its bytes."""

from __future__ import annotations

import pytest
from stdnum.exceptions import ValidationError

from meedoen.accounts.pseudonyms import resident_ref_for_bsn

KNOWN = "f8538ad7d0b23a67071ab446f5840819fbef6e94d41f18986382c7e09a17b3e4"


@pytest.fixture(autouse=True)
def _a_key_of_its_own(settings):
    settings.RESIDENT_PSEUDONYM_KEY = "a key for this test only"


@pytest.mark.parametrize("written", ["111222333", "111 222 333", "1112.22.333", "111-222-333"])
def test_a_bsn_gives_the_same_pseudonym_however_it_is_written(written):
    assert resident_ref_for_bsn(written) == KNOWN


def test_another_key_gives_another_pseudonym(settings):
    settings.RESIDENT_PSEUDONYM_KEY = "another key"
    assert resident_ref_for_bsn("111222333") not in ("", KNOWN)


@pytest.mark.parametrize("number", ["111222334", "12345", "abcdefghi", "٣٣٣٣٣٣٣٣٣"])
def test_a_number_that_is_not_a_bsn_has_no_pseudonym(number):
    with pytest.raises(ValidationError):
        resident_ref_for_bsn(number)
