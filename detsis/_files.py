"""Reading a text file for :mod:`detsis` loaders, with unreadable files turned into the package's errors."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import IO, TypeVar

from ._errors import ValidationError

__all__ = ["read_text_file"]

_T = TypeVar("_T")


def read_text_file(path: str, load: Callable[[IO[str]], _T], error: type[ValidationError], what: str) -> _T:
    """Open ``path`` as UTF-8 text (a BOM is skipped) and return ``load(stream)``.

    :param what: what the file holds, for the message (``"snapshot"``, ``"mapping"``).
    :raises ValidationError: ``error``, when the file cannot be read or is not UTF-8 text.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            return load(stream)
    except OSError as exc:
        raise error(
            f"cannot read {path}: {exc.strerror}",
            {
                "path": path,
                "reason": exc.strerror or type(exc).__name__,
                "os_error": errno.errorcode.get(exc.errno or 0, type(exc).__name__),
            },
        ) from None
    except UnicodeDecodeError:
        raise error(f"the {what} is not UTF-8 text", {"path": path, "reason": "encoding"}) from None
