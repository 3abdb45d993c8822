"""Errors raised while signing.

Token failures (wrong PIN, card removed, key not found, ...) keep the ``token.*`` codes of
:mod:`ebys_support.tokens.errors`; the codes here are about the signature itself.
"""

from __future__ import annotations

from ebys_support.errors import (
    Conflict,
    InputError,
    ServiceUnavailable,
    UsageError,
    ValidationFailed,
)

__all__ = [
    "NoSigningCertificate",
    "TSAUnavailable",
    "RevocationUnavailable",
    "GracePeriodNotOver",
    "UnsupportedProfile",
    "UnsupportedKey",
    "CertificateRevoked",
    "NotASignature",
    "ContentRequired",
    "ContentMismatch",
    "NotAPDF",
    "NotXML",
    "OutputIsInput",
    "TimestampOutOfWindow",
]


class NoSigningCertificate(ValidationFailed):
    """No certificate fit for signing (nonRepudiation) was found for the chosen key or token."""

    code = "signing.no_signing_certificate"


class TSAUnavailable(ServiceUnavailable):
    """The time-stamp authority could not be reached or refused the request."""

    code = "signing.tsa_unavailable"


class RevocationUnavailable(ServiceUnavailable):
    """OCSP or CRL data the profile needs could not be fetched."""

    code = "signing.revocation_unavailable"


class GracePeriodNotOver(Conflict):
    """An upgrade to ES-XL was asked for before the profile's grace period has passed."""

    code = "signing.grace_period_not_over"


class UnsupportedProfile(UsageError):
    """The profile (or the format/level combination) is not one we can produce.

    ``details["reason"]`` is a stable word saying why (``upgrade_p2``, ``pades_level``, ...); when the
    catalogue has ``signing.unsupported_profile.<reason>``, that explanation is the message, so the user
    reads why (e.g. that the Rehber forbids ES-XL data in P2) instead of a generic refusal. The code stays
    ``signing.unsupported_profile``.
    """

    code = "signing.unsupported_profile"

    def localized(self, lang: str = "en") -> str:
        from ebys_support import i18n

        reason = self.details.get("reason")
        if isinstance(reason, str) and self.code == UnsupportedProfile.code:
            key = f"{self.code}.{reason}"
            if i18n.has(key):
                return i18n.message(key, lang, **self.details)
        return super().localized(lang)


class UnsupportedKey(UsageError):
    """The key is not RSA ≥ 2048 or EC P-256/P-384/P-521, or the mechanism is not available."""

    code = "signing.unsupported_key"


class CertificateRevoked(ValidationFailed):
    """The signer's certificate is revoked according to the revocation data fetched at signing."""

    code = "signing.certificate_revoked"


class NotASignature(InputError):
    """The input given as an existing signature is not a CMS/CAdES signature."""

    code = "signing.not_a_signature"


class ContentRequired(UsageError):
    """A detached signature was given without the signed content."""

    code = "signing.content_required"


class ContentMismatch(ValidationFailed):
    """The content given does not match the message digest of the existing signature."""

    code = "signing.content_mismatch"


class NotAPDF(InputError):
    """PAdES was asked for, but the input is not a readable PDF."""

    code = "signing.not_a_pdf"


class NotXML(InputError):
    """An enveloped XAdES signature was asked for, but the input is not well-formed XML."""

    code = "signing.not_xml"


class OutputIsInput(UsageError):
    """The output path would overwrite an input file."""

    code = "signing.output_is_input"


class TimestampOutOfWindow(ValidationFailed):
    """The time-stamp is too long after the signing time (or before it): usually a wrong local clock."""

    code = "signing.timestamp_out_of_window"
