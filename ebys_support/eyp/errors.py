"""Why a package is refused before it is checked: not a package, or hostile.

These are raised, not reported as findings: nothing in such a file is trusted enough to be checked. They are
:class:`~ebys_support.errors.InputError`\\ s (CLI exit 4, HTTP 400; ``eyp.too_large`` is HTTP 413).
"""

from __future__ import annotations

from ebys_support import i18n
from ebys_support.errors import InputError

__all__ = ["NotAPackage", "UnsafeEntry", "TooLarge", "XmlForbidden"]


class _Refusal(InputError):
    """A refusal whose machine ``reason`` (kept in ``details``) is explained in the reader's language by the
    catalogue key ``ui.eyp.refusal.<reason>`` (the message's ``{why}``)."""

    def localized(self, lang: str = "en") -> str:
        reason = str(self.details.get("reason") or "")
        key = f"ui.eyp.refusal.{reason}"
        why = i18n.message(key, lang, **self.details) if i18n.has(key) else reason
        return i18n.message(self.code, lang, **{**self.details, "why": why})


class NotAPackage(_Refusal):
    """Not a zip file, or a zip file that is not an e-Yazışma package."""

    code = "eyp.not_a_package"


class UnsafeEntry(_Refusal):
    """A zip entry with ``..``, an absolute path, a symlink, a duplicate name, encryption or overlap."""

    code = "eyp.unsafe_entry"


class TooLarge(_Refusal):
    """The package, an entry, the total or the compression ratio exceeds the limits (a zip bomb)."""

    code = "eyp.too_large"
    http_status = 413


class XmlForbidden(_Refusal):
    """An XML part with a DTD, an entity declaration, or nesting deeper than the limit."""

    code = "eyp.xml_forbidden"
