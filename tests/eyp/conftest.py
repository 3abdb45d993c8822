"""Shared fixtures of the e-Yazışma tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

_WATCH = {"on": False, "events": []}  # type: dict[str, object]


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _WATCH["on"]:
        return
    if event == "open":
        mode = args[1] if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        if writing:
            _WATCH["events"].append((event, args[0]))  # type: ignore[union-attr]
    elif event in (
        "socket.connect",
        "socket.getaddrinfo",
        "urllib.Request",
        "os.mkdir",
        "os.rename",
        "shutil.unpack_archive",
    ):
        _WATCH["events"].append((event, args[0] if args else None))  # type: ignore[union-attr]


sys.addaudithook(_audit)


@pytest.fixture
def no_side_effects() -> Iterator[None]:
    """Fails the test when the check writes a file, creates a folder or opens a connection."""
    _WATCH["events"] = []
    _WATCH["on"] = True
    try:
        yield
    finally:
        _WATCH["on"] = False
    assert _WATCH["events"] == []
