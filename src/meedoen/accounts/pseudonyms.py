"""Turn a BSN into a stable pseudonym. The BSN itself is never stored."""

from __future__ import annotations

import hmac

from django.conf import settings
from stdnum.nl import bsn as bsn_number


def resident_ref_for_bsn(bsn: str) -> str:
    """HMAC-SHA256 of the BSN with a key kept outside the database. Raises stdnum's
    ``ValidationError`` for a number that is not a BSN."""
    number = bsn_number.validate(bsn)
    return hmac.digest(settings.RESIDENT_PSEUDONYM_KEY.encode(), number.encode(), "sha256").hex()
