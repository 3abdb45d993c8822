"""ebys-support: keep an institution's EBYS and its staff's qualified e-signatures working.

The library is split by concept: :mod:`ebys_support.document_number` (Sayı),
:mod:`ebys_support.tokens` (PKCS#11 inventory and diagnosis), :mod:`ebys_support.signing`,
:mod:`ebys_support.verification`, :mod:`ebys_support.kamusm` and :mod:`ebys_support.audit`.
The pure code validators live in the sibling packages :mod:`sdp_codes` and :mod:`detsis`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
