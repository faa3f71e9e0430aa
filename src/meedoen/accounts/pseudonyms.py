"""Turn a BSN into a stable pseudonym. The BSN itself is never stored."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from stdnum.nl import bsn as bsn_number


def resident_ref_for_bsn(bsn: str) -> str:
    """HMAC-SHA256 of the BSN with a key kept outside the database."""
    number = bsn_number.validate(bsn)
    key = settings.RESIDENT_PSEUDONYM_KEY.encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
