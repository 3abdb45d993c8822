"""The package as an OPC zip, opened defensively: in memory or streamed from its file, never extracted.

Every entry is vetted before anything is read: names (``..``, absolute paths, back-slashes, control
characters, duplicates compared the way OPC compares part names), symlinks, encryption, compression
methods, overlapping entries (the "better zip bomb"), declared sizes and ratios. Reads are bounded by the
declared size (``zipfile`` stops there and then checks the CRC), so a lying header cannot inflate more.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import unquote

from ebys_support.eyp.errors import NotAPackage, TooLarge, UnsafeEntry

__all__ = ["Limits", "Package", "open_package", "part_key", "CHUNK"]

#: Bytes read at a time when hashing (keeps memory flat whatever the part size).
CHUNK = 256 * 1024
_LOCAL_HEADER = 30


@dataclass(frozen=True)
class Limits:
    """Limits applied to every package before and while it is read."""

    max_package_bytes: int = 512 * 1024 * 1024
    """Largest package file."""
    max_entries: int = 10_000
    """Most zip entries."""
    max_part_bytes: int = 512 * 1024 * 1024
    """Largest uncompressed part."""
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest sum of uncompressed parts."""
    max_ratio: int = 200
    """Largest uncompressed/compressed ratio of a part bigger than ``ratio_floor``."""
    ratio_floor: int = 1024 * 1024
    """Parts up to this size are not held to ``max_ratio`` (small XML compresses well)."""
    max_xml_bytes: int = 32 * 1024 * 1024
    """Largest XML part (XML is parsed in memory)."""
    max_xml_depth: int = 64
    """Deepest XML nesting."""
    max_signature_bytes: int = 64 * 1024 * 1024
    """Largest signature (``.imz``) part (parsed in memory)."""
    max_directory_bytes: int = 16 * 1024 * 1024
    """Largest zip central directory: ``zipfile`` turns all of it into objects before any entry is vetted,
    so a directory of millions of tiny entries would exhaust memory first."""


def part_key(name: str) -> str:
    """The comparison form of a part name: percent-decoded, with a leading ``/``, ASCII case-folded.

    OPC compares part names case-insensitively; real packages differ in case.
    """
    decoded = unquote(name)
    if not decoded.startswith("/"):
        decoded = "/" + decoded
    return decoded.lower()


def _unsafe(name: str, reason: str) -> UnsafeEntry:
    return UnsafeEntry(details={"entry": name[:200], "reason": reason})


def _vet_name(name: str) -> None:
    for candidate in (name, unquote(name)):
        if any(ord(ch) < 0x20 or ch == "\x7f" for ch in candidate):
            raise _unsafe(name, "control_character")
        if "\\" in candidate:
            raise _unsafe(name, "backslash")
        if candidate.startswith("/") or (len(candidate) > 1 and candidate[1] == ":"):
            raise _unsafe(name, "absolute_path")
        segments = candidate.split("/")
        if any(seg in ("..", ".") for seg in segments):
            raise _unsafe(name, "path_traversal")
        if "" in segments[:-1]:
            raise _unsafe(name, "empty_segment")


class Package:
    """A vetted zip: part names, sizes, bounded reads and streamed digests.

    :ivar parts: part key (see :func:`part_key`) → the zip entry.
    :ivar names: part key → the part name as written in the zip (with a leading ``/``).
    """

    def __init__(self, zf: zipfile.ZipFile, size: int, limits: Limits, owned: IO[bytes] | None) -> None:
        self._zf = zf
        self._owned = owned
        self.limits = limits
        self.size = size
        self.parts: dict[str, zipfile.ZipInfo] = {}
        self.names: dict[str, str] = {}
        self._vet()

    # -- vetting ----------------------------------------------------------------------------------------

    def _vet(self) -> None:
        limits = self.limits
        infos = self._zf.infolist()
        if len(infos) > limits.max_entries:
            raise TooLarge(details={"reason": "entries", "size": len(infos), "limit": limits.max_entries})
        total = 0
        for info in infos:
            name = info.filename
            _vet_name(name)
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_ISLNK(mode):
                raise _unsafe(name, "symlink")
            if info.flag_bits & 0x1:
                raise _unsafe(name, "encrypted_entry")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _unsafe(name, "compression_method")
            if info.file_size > limits.max_part_bytes:
                raise TooLarge(
                    details={
                        "entry": name,
                        "reason": "part_size",
                        "size": info.file_size,
                        "limit": limits.max_part_bytes,
                    }
                )
            if info.file_size > limits.ratio_floor:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    raise TooLarge(
                        details={
                            "entry": name,
                            "reason": "ratio",
                            "size": int(ratio),
                            "limit": limits.max_ratio,
                        }
                    )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise TooLarge(
                    details={"reason": "total_size", "size": total, "limit": limits.max_total_bytes}
                )
            if name.endswith("/"):
                continue  # a folder entry carries no part
            key = part_key(name)
            if key in self.parts:
                raise _unsafe(name, "duplicate_name")
            self.parts[key] = info
            self.names[key] = "/" + unquote(name)
        self._vet_overlap(infos)

    def _vet_overlap(self, infos: Iterable[zipfile.ZipInfo]) -> None:
        ordered = sorted(infos, key=lambda i: i.header_offset)
        end_of_data = getattr(self._zf, "start_dir", self.size)
        for current, following in zip(ordered, [*ordered[1:], None], strict=True):
            limit = following.header_offset if following is not None else end_of_data
            if current.header_offset + _LOCAL_HEADER + current.compress_size > limit:
                raise _unsafe(current.filename, "overlapping_entries")

    # -- reading ----------------------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        return part_key(name) in self.parts

    def name_of(self, name: str) -> str:
        """The part name as written in the zip (``name`` compared case-insensitively)."""
        return self.names.get(part_key(name), name if name.startswith("/") else "/" + name)

    def part_size(self, name: str) -> int:
        return self.parts[part_key(name)].file_size

    def _open(self, name: str) -> IO[bytes]:
        try:
            return self._zf.open(self.parts[part_key(name)])
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise NotAPackage(details={"reason": "entry_unreadable", "entry": name}) from exc

    def read(self, name: str, limit: int, reason: str = "part_size") -> bytes:
        """The whole part, refused above ``limit`` bytes."""
        info = self.parts[part_key(name)]
        if info.file_size > limit:
            raise TooLarge(details={"entry": name, "reason": reason, "size": info.file_size, "limit": limit})
        with self._open(name) as fh:
            try:
                return fh.read()
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                raise NotAPackage(details={"reason": "entry_unreadable", "entry": name}) from exc

    def read_head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of the part."""
        with self._open(name) as fh:
            try:
                return fh.read(size)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                raise NotAPackage(details={"reason": "entry_unreadable", "entry": name}) from exc

    def digests(
        self, name: str, algorithms: Iterable[str], sniff: Callable[[bytes], None] | None = None
    ) -> dict[str, bytes]:
        """Hash the part once with every algorithm in ``algorithms`` (``hashlib`` names), streaming."""
        hashers: dict[str, Any] = {alg: _new_hash(alg) for alg in algorithms}
        updates = [h.update for h in hashers.values()]
        if sniff is not None:
            updates.append(sniff)
        with self._open(name) as fh:
            try:
                while chunk := fh.read(CHUNK):
                    for update in updates:
                        update(chunk)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                raise NotAPackage(details={"reason": "entry_unreadable", "entry": name}) from exc
        return {alg: h.digest() for alg, h in hashers.items()}

    def close(self) -> None:
        self._zf.close()
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _new_hash(alg: str) -> Any:
    return hashlib.new(alg)


PackageInput = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _vet_directory(fh: IO[bytes], size: int, limits: Limits) -> None:
    """Refuse a central directory with too many entries or bytes before ``zipfile`` parses it.

    Reads only the end-of-central-directory records; when they cannot be found, ``zipfile`` decides.
    """
    tail_size = min(size, _EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    fh.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return
    _sig, _disk, _cd_disk, _here, entries, cd_size, _cd_offset, _comment = _EOCD.unpack_from(tail, at)
    locator = at - _ZIP64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        _sig64, _disk64, record_offset, _disks = _ZIP64_LOCATOR.unpack_from(tail, locator)
        if record_offset + _ZIP64_EOCD.size <= size:
            fh.seek(record_offset)
            record = fh.read(_ZIP64_EOCD.size)
            fh.seek(0)
            if record[:4] == b"PK\x06\x06":
                fields = _ZIP64_EOCD.unpack(record)
                entries, cd_size = max(entries, fields[7]), max(cd_size, fields[8])
    if entries > limits.max_entries:
        raise TooLarge(details={"reason": "entries", "size": entries, "limit": limits.max_entries})
    if cd_size > limits.max_directory_bytes:
        raise TooLarge(details={"reason": "directory", "size": cd_size, "limit": limits.max_directory_bytes})


def open_package(package: Any, limits: Limits) -> Package:
    """Open ``package`` (bytes, a path or a binary file object) as a vetted :class:`Package`.

    :raises NotAPackage: not a zip file or unreadable.
    :raises TooLarge: over the limits.
    :raises UnsafeEntry: a hostile entry.
    """
    owned: IO[bytes] | None = None
    if isinstance(package, bytes | bytearray | memoryview):
        fh: IO[bytes] = io.BytesIO(bytes(package))
    elif isinstance(package, str | os.PathLike):
        try:
            owned = fh = open(os.fspath(package), "rb")  # noqa: SIM115 - closed by Package.close
        except OSError as exc:
            raise NotAPackage(details={"reason": "unreadable", "path": os.fspath(package)}) from exc
    elif hasattr(package, "read") and hasattr(package, "seek"):
        fh = package
    else:
        raise NotAPackage(details={"reason": "type", "type": type(package).__name__})
    try:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
        if size > limits.max_package_bytes:
            raise TooLarge(
                details={"reason": "package_size", "size": size, "limit": limits.max_package_bytes}
            )
        _vet_directory(fh, size, limits)
        try:
            zf = zipfile.ZipFile(fh)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise NotAPackage(details={"reason": "not_zip"}) from exc
        try:
            return Package(zf, size, limits, owned)
        except BaseException:
            zf.close()
            raise
    except BaseException:
        if owned is not None:
            owned.close()
        raise


def resolve_target(source_part: str, target: str) -> str | None:
    """The part name a relationship target points at, or ``None`` when it escapes the package root.

    ``source_part`` is ``/`` for package relationships, else the source part's name.
    """
    target = target.strip()
    if target.startswith("/"):
        joined = target
    else:
        base = posixpath.dirname(source_part) if source_part != "/" else "/"
        joined = posixpath.join(base, target)
    depth = 0
    for segment in joined.split("/"):
        if segment == "..":
            depth -= 1
            if depth < 0:
                return None
        elif segment not in ("", "."):
            depth += 1
    return posixpath.normpath(joined)
