"""Complete-or-absent output files: write to a temporary file beside the target, then ``os.replace``.

An error or an interruption of the process leaves either the old file or the new one, never a part.
There is no ``fsync`` (as in pyHanko, OpenSSL and most signing tools): it would double the time to sign
a large PDF, and after a power loss a signature is simply made again from the untouched input.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_output", "write_atomic"]


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes ``path`` only if the block finishes without an exception."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_output(path) as fh:
        fh.write(data)
