"""``ebys-support sign``: CAdES, PAdES and XAdES signatures with a smart card, a token or a PKCS#12 file.

``sign FILE...`` signs files; ``sign countersign``, ``sign add-parallel`` and ``sign upgrade`` work on an
existing CAdES signature. The PIN (or the PKCS#12 password) comes from a prompt, ``--pin-stdin`` (one
line of standard input) or ``EBYS_PIN`` — never from an option.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._secrets import read_pin
from ebys_support.errors import EbysError, InputError, ServiceUnavailable, UsageError
from ebys_support.signing import cades, pades
from ebys_support.signing._io import write_atomic
from ebys_support.signing.batch import FORMATS, BatchOptions, FileSigner, check_options, same_file
from ebys_support.signing.errors import CertificateRevoked, OutputIsInput, TimestampOutOfWindow
from ebys_support.signing.profiles import PROFILE_NAMES, Profile, profiles_from_config
from ebys_support.signing.signers import PKCS12Signer, Signer, TokenSigner

__all__ = ["sign"]


class _ProfileChoice(click.Choice):  # type: ignore[type-arg]
    """P1–P4, any case, shown in upper case."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(PROFILE_NAMES) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert(str(value).upper(), param, ctx)


_PROFILE = _ProfileChoice(PROFILE_NAMES)
_FORMAT_NAMES = {"cades": "CAdES", "pades": "PAdES", "xades": "XAdES"}


class _SignGroup(click.Group):
    """A group whose first argument may be a file: ``sign a.pdf b.pdf`` runs the hidden ``files`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["files", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "FILE... [OPTIONS] | COMMAND [ARGS]...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # ``sign --help`` shows the options of ``sign FILE...`` (the hidden ``files`` command), then the
        # subcommands.
        files = self.commands["files"]
        files.format_options(click.Context(files, info_name=ctx.info_name, parent=ctx.parent), formatter)
        self.format_commands(ctx, formatter)


_out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Output folder (created if missing; default: the current folder).",
)
_trust_option = click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Extra CA certificates (file or folder) to complete chains.",
)


def _signer_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--token", "token_label", metavar="LABEL", help="Token (card) label."),
        click.option("--token-serial", metavar="SERIAL", help="Token serial number (instead of the label)."),
        click.option(
            "--module", metavar="PATH", help="PKCS#11 module (default: signing.module or a known one)."
        ),
        click.option("--key-id", metavar="HEX", help="CKA_ID of the key and certificate on the token."),
        click.option("--cert-label", metavar="LABEL", help="Label of the certificate on the token."),
        click.option(
            "--pkcs12",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Sign with a PKCS#12 file (e-seal) instead of a token.",
        ),
        click.option("--pss", is_flag=True, help="RSA-PSS instead of PKCS#1 v1.5."),
        click.option(
            "--pin-stdin", is_flag=True, help="Read the PIN (or PKCS#12 password) from one stdin line."
        ),
        click.option("--tsa", metavar="URL", help="Time-stamp authority (default: signing.tsa_url)."),
        _trust_option,
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _profiles(obj: CliContext) -> Any:
    return profiles_from_config(obj.config().signing)


def _profile(obj: CliContext, name: str) -> Profile:
    return _profiles(obj)[name.upper()]  # type: ignore[no-any-return]


def _trust(obj: CliContext, paths: tuple[Path, ...]) -> tuple[Any, ...]:
    from ebys_support.trust import load_certificates

    certs: list[Any] = []
    for p in (*(Path(x) for x in obj.config().signing.trust), *paths):
        certs.extend(load_certificates(obj.config().resolve(str(p))))
    return tuple(certs)


def _default_module(obj: CliContext) -> str:
    cfg = obj.config().signing
    if cfg.module:
        return str(obj.config().resolve(cfg.module))
    from ebys_support.tokens.modules import candidate_paths

    for _known, path in candidate_paths():
        if os.path.isfile(path):
            return path
    raise UsageError("signing.module_required")


@contextmanager
def _open_signer(obj: CliContext, kw: dict[str, Any]) -> Iterator[Signer]:
    if kw.get("key_id") and kw.get("cert_label"):
        raise UsageError("signing.key_or_label")
    what = "ui.sign.pkcs12_password" if kw.get("pkcs12") else "ui.pin"
    pin = read_pin(obj, pin_stdin=kw["pin_stdin"], required=True, what_key=what)
    signer: Signer
    if kw.get("pkcs12"):
        signer = PKCS12Signer(kw["pkcs12"], pin, pss=kw["pss"])
    else:
        module = kw.get("module") or _default_module(obj)
        signer = TokenSigner(
            module,
            token_label=kw.get("token_label"),
            token_serial=kw.get("token_serial"),
            key_id=kw.get("key_id"),
            cert_label=kw.get("cert_label"),
            pin=pin,
            pss=kw["pss"],
        )
    del pin
    try:
        yield signer
    finally:
        signer.close()


def _tsa(obj: CliContext, url: str | None) -> str | None:
    return url or obj.config().signing.tsa_url or None


def _needs_tsa_checked(obj: CliContext, name: str, tsa: str | None) -> Profile:
    """The profile, refused before any PIN is asked when it needs a time-stamp and no TSA is given."""
    prof = _profile(obj, name)
    if prof.needs_timestamp and not tsa:
        raise UsageError("signing.tsa_required", details={"profile": prof.name})
    return prof


def _out_for(obj: CliContext, source: Path, out_dir: Path) -> Path:
    out = out_dir / source.name
    if same_file(source, out):
        raise OutputIsInput(details={"path": str(out)})
    return out


@click.group(cls=_SignGroup, invoke_without_command=False)
def sign() -> None:
    """Sign files (CAdES, PAdES, XAdES), or countersign, add a parallel signature, upgrade to ES-XL.

    \b
    Outputs go into --out, named after the input's full file name:
      yazi.pdf  -> yazi.pdf.imz         CAdES attached
      yazi.pdf  -> yazi.pdf.p7s         CAdES detached (--detached)
      rapor.xml -> rapor.xml.xades.xml  XAdES
      yazi.pdf  -> yazi.pdf             PAdES (a signed copy; --out must be another folder)
    A detached yazi.pdf.p7s next to yazi.pdf is paired by `ebys-support verify`.
    """


@sign.command("files", hidden=True)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="cades", show_default=True)
@click.option("--profile", type=_PROFILE, default="P1", show_default=True)
@click.option(
    "--detached", is_flag=True, help="CAdES NAME.p7s / XAdES detached instead of attached/enveloping."
)
@click.option("--enveloped", is_flag=True, help="XAdES: put the signature inside the XML document.")
@click.option(
    "--level",
    type=click.Choice(["B-B", "B-T", "B-LT", "B-LTA"], case_sensitive=False),
    help="PAdES level: P1 B-B (default) or B-T; P2, P3 B-T; P4 B-LT (default) or B-LTA.",
)
@click.option(
    "--visible-page", type=int, help="PAdES: show a signature block on this page (1-based, -1 last)."
)
@click.option("--visible-box", metavar="X1,Y1,X2,Y2", help="PAdES: the block's rectangle in points.")
@click.option(
    "--name", "visible_name", help="PAdES: name shown in the block (default: from the certificate)."
)
@click.option("--title", "visible_title", help="PAdES: title shown in the block.")
@click.option(
    "--font",
    type=click.Path(exists=True, dir_okay=False),
    help="PAdES: OpenType/TrueType font for the block (default: a system font with Turkish letters).",
)
@_out_option
@_signer_options
@pass_obj
def files_cmd(
    obj: CliContext,
    files: tuple[Path, ...],
    fmt: str,
    profile: str,
    detached: bool,
    enveloped: bool,
    level: str | None,
    visible_page: int | None,
    visible_box: str | None,
    visible_name: str | None,
    visible_title: str | None,
    font: str | None,
    out_dir: Path,
    **kw: Any,
) -> None:
    """Sign FILE... into --out as NAME.imz, NAME.p7s, NAME.xades.xml or a signed copy NAME (PAdES).

    NAME is the input's full file name (yazi.pdf -> yazi.pdf.imz); an output never overwrites an input.
    """
    visible = None
    if visible_page is not None or visible_box or visible_name or visible_title or font:
        if fmt != "pades":
            raise UsageError(
                "ebys.usage", details={"reason": "--visible-* / --name / --title / --font are for PAdES"}
            )
        box = (50, 50, 300, 120)
        if visible_box:
            try:
                x1, y1, x2, y2 = (int(v) for v in visible_box.split(","))
            except ValueError:
                raise UsageError("ebys.usage", details={"reason": "--visible-box X1,Y1,X2,Y2"}) from None
            box = (x1, y1, x2, y2)
        visible = pades.VisibleSignature(
            page=visible_page or 1, box=box, name=visible_name, title=visible_title, font=font
        )
    options = BatchOptions(
        fmt=fmt,
        profile=_profile(obj, profile),
        detached=detached,
        enveloped=enveloped,
        level=level,
        visible=visible,
        trust=_trust(obj, kw.pop("trust_paths")),
    )
    tsa = _tsa(obj, kw.pop("tsa"))
    # Refuse what cannot be produced, and bad outputs, before asking for the PIN.
    check_options(options, tsa)
    seen: dict[Path, Path] = {}
    for f in files:
        target = FileSigner.target_for(f, options, out_dir, files).resolve()
        if target in seen:
            raise UsageError(
                "signing.duplicate_output",
                details={"path": str(target), "first": str(seen[target]), "second": str(f)},
            )
        seen[target] = f
    signed: list[dict[str, str]] = []
    failed: list[dict[str, Any]] = []
    not_attempted: list[str] = []
    first_error: EbysError | None = None
    with _open_signer(obj, kw) as signer:
        batch = FileSigner(signer, options, out_dir, tsa=tsa, inputs=files)
        for i, f in enumerate(obj.progress(files, total=len(files), desc=obj.t("ui.sign.progress"))):
            try:
                out = batch.sign(f)
            except EbysError as exc:
                first_error = first_error or exc
                failed.append({"input": str(f), "error": exc.to_dict(obj.lang)})
                if not obj.json:
                    click.echo(f"{f}: {exc.localized(obj.lang)}", err=True)
                if _stops_batch(exc):
                    # The card, the TSA or a revocation responder failed: every other file would fail
                    # the same way (each after a timeout), so stop and say which were not signed.
                    not_attempted = [str(p) for p in files[i + 1 :]]
                    break
                continue
            signed.append({"input": str(f), "output": str(out)})
    summary = obj.t(
        "ui.sign.summary",
        signed=len(signed),
        failed=len(failed),
        format=_FORMAT_NAMES[fmt],
        profile=options.profile.name if isinstance(options.profile, Profile) else str(options.profile),
    )
    prof = options.profile if isinstance(options.profile, Profile) else _profile(obj, profile)
    lines = [*(f"{s['input']} → {s['output']}" for s in signed)]
    policy = _policy(prof)
    if policy is not None and signed:
        lines.append(obj.t("ui.sign.policy", **policy))
    if not_attempted:
        lines.append(obj.t("ui.sign.stopped", count=len(not_attempted)))
    lines.append(summary)
    obj.emit(
        {
            "signed": signed,
            "failed": failed,
            "not_attempted": not_attempted,
            "format": fmt,
            "profile": profile.upper(),
            "policy": policy,
        },
        lines,
    )
    if first_error is not None:
        raise SystemExit(first_error.exit_code)


def _stops_batch(exc: EbysError) -> bool:
    """Whether an error is about the signer or a remote service rather than the one file."""
    return exc.code.startswith("token.") or isinstance(
        exc, ServiceUnavailable | CertificateRevoked | TimestampOutOfWindow
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        if not path.exists():
            raise InputError("input.not_found", details={"path": str(path)}) from None
        raise InputError("input.unreadable", details={"path": str(path), "reason": exc.strerror}) from None


def _policy(prof: Profile) -> dict[str, str] | None:
    """The policy applied (the Rehber asks that the signer be shown its OID, hash and address)."""
    if not prof.policy_oid or prof.policy_hash is None:
        return None
    return {"oid": prof.policy_oid, "sha256": prof.policy_hash.hex(), "uri": prof.policy_uri or ""}


def _written(obj: CliContext, source: Path, out: Path, key: str, prof: Profile | None = None) -> None:
    lines = [obj.t(key, input=str(source), output=str(out))]
    data: dict[str, Any] = {"input": str(source), "output": str(out)}
    policy = _policy(prof) if prof is not None else None
    if prof is not None:
        data["profile"] = prof.name
        data["policy"] = policy
    if policy is not None:
        lines.append(obj.t("ui.sign.policy", **policy))
    obj.emit(data, lines)


def _sign_into(
    obj: CliContext,
    signature: Path,
    out: Path,
    profile: str,
    kw: dict[str, Any],
    key: str,
    make: Callable[[Signer, Profile, str | None, tuple[Any, ...]], bytes],
) -> None:
    """Check the profile and TSA, open the signer, write ``make(signer, profile, tsa, trust)`` to ``out``."""
    trust = _trust(obj, kw.pop("trust_paths"))
    tsa = _tsa(obj, kw.pop("tsa"))
    prof = _needs_tsa_checked(obj, profile, tsa)
    with _open_signer(obj, kw) as signer:
        result = make(signer, prof, tsa, trust)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, result)
    _written(obj, signature, out, key, prof)


@sign.command("countersign")
@click.argument("signature", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", type=_PROFILE, default="P1", show_default=True)
@_out_option
@_signer_options
@pass_obj
def countersign_cmd(obj: CliContext, signature: Path, profile: str, out_dir: Path, **kw: Any) -> None:
    """Add a serial signature (countersignature) to the first signer of SIGNATURE."""
    data = _read(signature)
    out = _out_for(obj, signature, out_dir)
    cades.load_signature(data)
    _sign_into(
        obj,
        signature,
        out,
        profile,
        kw,
        "ui.sign.countersigned",
        lambda signer, prof, tsa, trust: cades.countersign(data, signer, prof, tsa=tsa, trust=trust),
    )


@sign.command("add-parallel")
@click.argument("signature", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--content",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The signed content (required for a detached .p7s).",
)
@click.option("--profile", type=_PROFILE, default="P1", show_default=True)
@_out_option
@_signer_options
@pass_obj
def add_parallel_cmd(
    obj: CliContext, signature: Path, content: Path | None, profile: str, out_dir: Path, **kw: Any
) -> None:
    """Add a parallel signature (another signer over the same content) to SIGNATURE."""
    data = _read(signature)
    body = _read(content) if content is not None else None
    out = _out_for(obj, signature, out_dir)
    # Refuse a missing or wrong --content before asking for the PIN.
    cades.signed_content(cades.load_signature(data), body)
    _sign_into(
        obj,
        signature,
        out,
        profile,
        kw,
        "ui.sign.parallel_added",
        lambda signer, prof, tsa, trust: cades.add_parallel(
            data, signer, prof, content=body, tsa=tsa, trust=trust
        ),
    )


@sign.command("upgrade")
@click.argument("signature", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--to", "target", default="P4", show_default=True, help="Target form: P4 (ES-XL; a PDF gets B-LT)."
)
@_out_option
@_trust_option
@pass_obj
def upgrade_cmd(
    obj: CliContext, signature: Path, target: str, out_dir: Path, trust_paths: tuple[Path, ...]
) -> None:
    """Upgrade a P3 signature to ES-XL (a PDF: to B-LT) with fresh revocation data, after its grace period."""
    data = _read(signature)
    out = _out_for(obj, signature, out_dir)
    trust = _trust(obj, trust_paths)
    # A CMS signature is DER (a SEQUENCE, 0x30) or PEM; an attached .imz of a PDF holds "%PDF-" near its
    # start too, so look at the first byte before looking for the PDF header.
    is_cms = data[:1] == b"\x30" or data.lstrip()[:11] == b"-----BEGIN "
    if not is_cms and b"%PDF-" in data[:1024]:
        out_dir.mkdir(parents=True, exist_ok=True)
        pades.upgrade_pdf(data, target, output=out, trust=trust, profiles=_profiles(obj))
    else:
        result = cades.upgrade(data, target, trust=trust, profiles=_profiles(obj))
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(out, result)
    _written(obj, signature, out, "ui.sign.upgraded")
