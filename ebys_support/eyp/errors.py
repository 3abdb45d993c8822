"""Why a package is refused before it is checked: not a package, or hostile.

These are raised, not reported as findings: nothing in such a file is trusted enough to be checked. They are
:class:`~ebys_support.errors.InputError`\\ s (CLI exit 4, HTTP 400; ``eyp.too_large`` is HTTP 413).
"""

from __future__ import annotations

from ebys_support.errors import InputError

__all__ = ["NotAPackage", "UnsafeEntry", "TooLarge", "XmlForbidden"]


class NotAPackage(InputError):
    """Not a zip file, or a zip file that is not an e-Yazışma package."""

    code = "eyp.not_a_package"


class UnsafeEntry(InputError):
    """A zip entry with ``..``, an absolute path, a symlink, a duplicate name, encryption or overlap."""

    code = "eyp.unsafe_entry"


class TooLarge(InputError):
    """The package, an entry, the total or the compression ratio exceeds the limits (a zip bomb)."""

    code = "eyp.too_large"
    http_status = 413


class XmlForbidden(InputError):
    """An XML part with a DTD, an entity declaration, or nesting deeper than the limit."""

    code = "eyp.xml_forbidden"
