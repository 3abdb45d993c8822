"""Signing with PKCS#11 tokens and PKCS#12 files: CAdES, PAdES and XAdES to the Turkish profiles P1–P4.

>>> from ebys_support.signing import get_profile
>>> get_profile("P4").cades_level
'ES-XL'
"""

from __future__ import annotations

from ebys_support.signing.cades import CAdESSigner, add_parallel, countersign, upgrade
from ebys_support.signing.errors import (
    CertificateRevoked,
    ContentMismatch,
    ContentRequired,
    GracePeriodNotOver,
    NoSigningCertificate,
    NotAPDF,
    NotASignature,
    NotXML,
    OutputIsInput,
    RevocationUnavailable,
    TimestampOutOfWindow,
    TSAUnavailable,
    UnsupportedKey,
    UnsupportedProfile,
)
from ebys_support.signing.pades import VisibleSignature, sign_pdf, upgrade_pdf
from ebys_support.signing.profiles import PROFILE_NAMES, Profile, get_profile, load_profiles
from ebys_support.signing.signers import PKCS12Signer, Signer, TokenSigner
from ebys_support.signing.tsa import TSAClient
from ebys_support.signing.xades import sign_xml

__all__ = [
    "CAdESSigner",
    "CertificateRevoked",
    "ContentMismatch",
    "ContentRequired",
    "GracePeriodNotOver",
    "NoSigningCertificate",
    "NotAPDF",
    "NotASignature",
    "NotXML",
    "OutputIsInput",
    "PKCS12Signer",
    "PROFILE_NAMES",
    "Profile",
    "RevocationUnavailable",
    "Signer",
    "TSAClient",
    "TimestampOutOfWindow",
    "TokenSigner",
    "TSAUnavailable",
    "UnsupportedKey",
    "UnsupportedProfile",
    "VisibleSignature",
    "add_parallel",
    "countersign",
    "get_profile",
    "load_profiles",
    "sign_pdf",
    "sign_xml",
    "upgrade",
    "upgrade_pdf",
]
