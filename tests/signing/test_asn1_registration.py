"""The CAdES attribute names are usable even when asn1crypto cached its name map before we registered them."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
from asn1crypto import cms
cms.CMSAttributeType("message_digest").dotted   # builds and caches the reverse map first
import ebys_support.signing._asn1  # noqa: F401
print(cms.CMSAttributeType("complete_certificate_references").dotted)
"""


def test_registration_after_first_use() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1.2.840.113549.1.9.16.2.21"
