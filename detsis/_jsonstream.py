"""Reading a large JSON snapshot value by value, without holding its records as Python dicts at once."""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Iterator
from typing import IO, Any

from ._errors import InvalidSnapshot

__all__ = ["read_json"]

_CHUNK = 1 << 20
_MAX_VALUE = 8 << 20
_WS = " \t\r\n"
_decode = json.JSONDecoder().decode


class _JSONStream:
    """Reads a JSON document value by value, so a 300,000-record array never sits in memory as dicts."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ("" at the end)."""
        while True:
            buf, pos = self._buf, self._pos
            n = len(buf)
            while pos < n and buf[pos] in _WS:
                pos += 1
            self._pos = pos
            if pos < n:
                return buf[pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if ch == "" or ch not in chars:
            raise self._error(f"expected one of {chars!r}")
        self._pos += 1
        return ch

    def value(self) -> Any:
        """The next JSON value; reads on while a value is cut by the buffer end."""
        self.peek()
        while True:
            try:
                obj, end = self._scan(self._buf, self._pos)
            except StopIteration:
                if self._more():
                    continue
                raise self._error("expected a value") from None
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise self._error(exc.msg) from None
            if end >= len(self._buf) and isinstance(obj, int | float) and self._more():
                continue  # a number at the buffer end may go on in the next chunk
            self._pos = end
            return obj

    def batch(self) -> list[Any] | None:
        """Whole lines of array elements parsed in one call, or ``None`` when the layout does not allow it.

        Snapshots put one record a line (JSON strings cannot hold a raw line break, so a line break always
        falls between tokens); parsing a megabyte of lines at once skips the per-record overhead. The cursor
        is left just after the last comma consumed.
        """
        if len(self._buf) - self._pos < _CHUNK // 2:
            self._fill()
        buf, pos = self._buf, self._pos
        cut = buf.rfind("\n", pos)
        if cut <= pos:
            return None
        end = cut
        while end > pos and buf[end - 1] in _WS:
            end -= 1
        if end <= pos or buf[end - 1] != ",":
            return None  # the array ends in this piece: let the careful path finish it
        try:
            items = _decode("".join(("[", buf[pos : end - 1], "]")))
        except ValueError:
            return None
        if not isinstance(items, list):
            return None
        self._pos = end
        return items

    def _more(self) -> bool:
        # A single record is far smaller than this; a fault that persists past it is a real one.
        return len(self._buf) - self._pos < _MAX_VALUE and self._fill()

    def _error(self, reason: str) -> InvalidSnapshot:
        return InvalidSnapshot(f"not valid JSON: {reason}", {"reason": reason, "syntax": "json"})


def _iter_json_array(reader: _JSONStream) -> Iterator[list[Any]]:
    reader.expect("[")
    if reader.peek() == "]":
        reader.expect("]")
        return
    batch = True
    while True:
        if batch:
            items = reader.batch()
            if items is None:
                batch = False
            else:
                yield items
                continue
        yield [reader.value()]
        if reader.expect(",]") == "]":
            return


def read_json(stream: IO[str], meta: dict[str, Any]) -> Iterator[list[Any]]:
    """The records of a snapshot, in batches: a bare array, or the "units" (or "Sonuclar") array of an
    object whose other keys go into ``meta``.

    :raises InvalidSnapshot: not JSON, or not one of those shapes.
    """
    reader = _JSONStream(stream)
    first = reader.peek()
    if first == "[":
        yield from _iter_json_array(reader)
    elif first == "{":
        reader.expect("{")
        found = False
        if reader.peek() == "}":
            reader.expect("}")
        else:
            while True:
                key = reader.value()
                if not isinstance(key, str):
                    raise InvalidSnapshot("not valid JSON: object key", {"reason": "key", "syntax": "json"})
                reader.expect(":")
                if key in ("units", "Sonuclar") and reader.peek() == "[":
                    found = True
                    yield from _iter_json_array(reader)
                else:
                    meta[key] = reader.value()
                if reader.expect(",}") == "}":
                    break
        if not found:
            raise InvalidSnapshot("a wrapped snapshot needs a 'units' array", {"reason": "no_units"})
    else:
        raise InvalidSnapshot(
            "a JSON snapshot is an array of units or an object with 'units'", {"reason": "shape"}
        )
    if reader.peek() != "":
        raise InvalidSnapshot("not valid JSON: extra data after the snapshot", {"reason": "extra_data"})
