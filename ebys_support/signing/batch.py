"""Signing files: output names, the never-over-the-input rule and complete-or-absent writes.

========================  ======================================
what                      output in the output folder
========================  ======================================
CAdES attached            ``NAME.imz``
CAdES detached            ``NAME.p7s``
XAdES                     ``NAME.xades.xml``
PAdES                     ``NAME`` (a signed copy)
========================  ======================================

``NAME`` is the input's full file name, suffix included (``yazi.pdf`` → ``yazi.pdf.imz``), as Turkish
e-imza tools name their files. A detached ``yazi.pdf.p7s`` is thus found by batch verification next to
``yazi.pdf`` (``ebys_support.verification.batch`` pairs ``NAME.p7s``/``NAME.imz`` with ``NAME``). An
output that would land on an input is refused (``signing.output_is_input``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from asn1crypto import x509

from ebys_support.errors import InputError, UsageError
from ebys_support.signing import cades, pades, xades
from ebys_support.signing._io import atomic_output, write_atomic
from ebys_support.signing.errors import OutputIsInput, UnsupportedProfile
from ebys_support.signing.profiles import Profile, get_profile
from ebys_support.signing.signers import Signer
from ebys_support.signing.tsa import TSAClient

__all__ = ["FORMATS", "BatchOptions", "FileSigner", "check_options", "output_path", "same_file"]

Format = Literal["cades", "pades", "xades"]
FORMATS: tuple[str, ...] = ("cades", "pades", "xades")


def output_path(source: str | Path, fmt: str, out_dir: str | Path, *, detached: bool = False) -> Path:
    """Where the signature of ``source`` goes: the input's full name plus the format's suffix.

    >>> output_path("/in/yazi.pdf", "cades", "/out")
    PosixPath('/out/yazi.pdf.imz')
    >>> output_path("/in/yazi.pdf", "cades", "/out", detached=True)
    PosixPath('/out/yazi.pdf.p7s')
    >>> output_path("/in/rapor.xml", "xades", "/out")
    PosixPath('/out/rapor.xml.xades.xml')
    >>> output_path("/in/yazi.pdf", "pades", "/out")
    PosixPath('/out/yazi.pdf')

    :raises UsageError: ``signing.unsupported_format``.
    """
    name = Path(source).name
    out = Path(out_dir)
    if fmt == "cades":
        return out / f"{name}.{'p7s' if detached else 'imz'}"
    if fmt == "xades":
        return out / f"{name}.xades.xml"
    if fmt == "pades":
        return out / name
    raise UsageError("signing.unsupported_format", details={"format": fmt})


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (the same path, or one file under two names)."""
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


@dataclass(frozen=True)
class BatchOptions:
    """What to produce for each file."""

    fmt: str = "cades"
    profile: str | Profile = "P1"
    detached: bool = False
    #: XAdES over XML: put the signature inside the document instead of around it.
    enveloped: bool = False
    #: PAdES level (default: the profile's minimum).
    level: str | None = None
    visible: pades.VisibleSignature | None = None
    trust: tuple[x509.Certificate, ...] = field(default=())


def check_options(options: BatchOptions, tsa: TSAClient | str | None) -> Profile:
    """Refuse a format/profile/level combination that cannot be produced, before any PIN is asked.

    :raises UsageError: ``signing.unsupported_format``, or ``signing.tsa_required`` when a time-stamp is
        needed and no TSA is given.
    :raises UnsupportedProfile: XAdES for P4, or a PAdES level the profile does not allow.
    """
    if options.fmt not in FORMATS:
        raise UsageError("signing.unsupported_format", details={"format": options.fmt})
    profile = get_profile(options.profile)
    needs_tsa = profile.needs_timestamp
    if options.fmt == "pades":
        needs_tsa = pades.level_for(profile, options.level) != "B-B"
    if options.fmt == "xades" and profile.needs_validation_data:
        raise UnsupportedProfile(details={"profile": profile.name, "format": "xades", "reason": "xades_p4"})
    if needs_tsa and not tsa:
        raise UsageError("signing.tsa_required", details={"profile": profile.name})
    return profile


class FileSigner:
    """Signs files one by one with one signer (one login), writing each output atomically.

    :param signer: the key.
    :param options: format, profile and so on.
    :param out_dir: the output folder (created if missing).
    :param tsa: the time-stamp authority (URL or client).
    :param inputs: every input of the batch, so that no output lands on any of them.
    """

    def __init__(
        self,
        signer: Signer,
        options: BatchOptions,
        out_dir: str | Path,
        *,
        tsa: TSAClient | str | None = None,
        inputs: Iterable[str | Path] = (),
    ) -> None:
        self.profile = check_options(options, tsa)
        self.signer = signer
        self.options = options
        self.out_dir = Path(out_dir)
        self.tsa = TSAClient(tsa) if isinstance(tsa, str) else tsa
        self.inputs = [Path(p) for p in inputs]
        self._cades: cades.CAdESSigner | None = None
        if options.fmt == "cades":
            self._cades = cades.CAdESSigner(signer, self.profile, tsa=self.tsa, trust=options.trust)

    @staticmethod
    def target_for(
        source: str | Path, options: BatchOptions, out_dir: str | Path, inputs: Iterable[str | Path] = ()
    ) -> Path:
        """The output path of ``source``; refuses one that is an input.

        :raises OutputIsInput: the output would overwrite ``source`` or another input.
        """
        out = output_path(source, options.fmt, out_dir, detached=options.detached)
        for p in [Path(source), *(Path(i) for i in inputs)]:
            if same_file(p, out):
                raise OutputIsInput(details={"path": str(out)})
        return out

    def target(self, source: str | Path) -> Path:
        """The output path of ``source`` in this batch (see :meth:`target_for`)."""
        return self.target_for(source, self.options, self.out_dir, self.inputs)

    def sign(self, source: str | Path) -> Path:
        """Sign one file; returns the output path. Nothing is written when it fails."""
        src = Path(source)
        out = self.target(src)
        if not src.is_file():
            raise InputError("input.not_found", details={"path": str(src)})
        self.out_dir.mkdir(parents=True, exist_ok=True)
        opts = self.options
        if opts.fmt == "pades":
            pades.sign_pdf(
                src,
                self.signer,
                self.profile,
                output=out,
                level=opts.level,
                tsa=self.tsa,
                trust=opts.trust,
                visible=opts.visible,
            )
            return out
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise InputError("input.unreadable", details={"path": str(src), "reason": exc.strerror}) from None
        if opts.fmt == "cades":
            assert self._cades is not None
            write_atomic(out, self._cades.sign(data, detached=opts.detached))
            return out
        mode: xades.Mode = "detached" if opts.detached else ("enveloped" if opts.enveloped else "enveloping")
        result = xades.sign_xml(data, self.signer, self.profile, mode=mode, tsa=self.tsa, uri=src.name)
        with atomic_output(out) as fh:
            fh.write(result)
        return out
