"""``ebys-support eyp``: check e-Yazışma packages and show what is in them.

``eyp check PACKAGE...`` prints each package's verdict, its signature and seal, and every finding with the
guide's rule number; the exit code is 0 when every package is acceptable, 1 when one is rejected and 4 when
one is not a package (or was refused as hostile). ``eyp show PACKAGE`` prints what a clerk looks for:
subject, number, date, sender and recipients with their DETSİS numbers, attachments and signers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.errors import EXIT_INPUT, EXIT_INVALID, EXIT_OK, EbysError
from ebys_support.eyp import EypReport, Party, check

__all__ = ["eyp"]


@click.group("eyp")
def eyp() -> None:
    """Check e-Yazışma packages (.eyp, .eyps): structure, digests, metadata, signatures."""


def _catalogue(obj: CliContext, path: Path | None) -> Any:
    from ebys_support.sdp_catalogues import configured_catalogue

    if path is None and not obj.config().sdp.catalogue:
        return None  # sdp_codes uses its shipped starter rows
    return configured_catalogue(obj.config(), path)


def _registry(obj: CliContext, path: Path | None) -> Any:
    from ebys_support import detsis_support

    cfg = obj.config()
    source = path if path is not None else (cfg.resolve(cfg.detsis.registry) if cfg.detsis.registry else None)
    if source is None:
        return None
    # detsis.invalid_snapshot and friends (exit 4), with the reason and the place explained
    return detsis_support.load_registry(source)


def _trust(obj: CliContext, paths: tuple[Path, ...]) -> tuple[Any, ...] | None:
    from ebys_support.trust import load_certificates

    cfg = obj.config()
    sources = [*(cfg.resolve(p) for p in cfg.verification.trust), *paths]
    if not sources:
        return None
    certs: list[Any] = []
    for source in sources:
        certs.extend(load_certificates(source))
    return tuple(certs)


def _mask(value: str | None) -> str:
    """A T.C. Kimlik No shown to a clerk: the first three and last two digits."""
    if value and len(value) == 11 and value.isdigit():
        return value[:3] + "******" + value[-2:]
    return value or ""


def _party(obj: CliContext, party: Party) -> str:
    if party.kind == "institution":
        ids = f"DETSİS {party.identifier}" if party.identifier else ""
        if party.unit:
            ids += f", birim {party.unit}" if obj.lang == "tr" else f", unit {party.unit}"
    elif party.kind == "person":
        ids = f"T.C. {_mask(party.identifier)}" if party.identifier else ""
    else:
        ids = party.identifier or ""
    text = f"{party.name} ({ids})" if ids else party.name
    extras = []
    if party.distribution:
        key = f"ui.eyp.show.distribution.{party.distribution}"
        extras.append(obj.t(key) if key != obj.t(key) else party.distribution)
    if party.urgency:
        extras.append(party.urgency)
    return text + (" — " + ", ".join(extras) if extras else "")


def _date(value: str | None) -> str | None:
    """``2021-02-15T09:39:32.1367712Z`` as ``2021-02-15 09:39:32 UTC`` (as written when not a date-time)."""
    if not value:
        return value
    import re

    m = re.match(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$", value)
    if m is None:
        return value
    zone = {"Z": " UTC", None: ""}.get(m.group(3), " " + str(m.group(3)))
    return f"{m.group(1)} {m.group(2)}{zone}"


def _size(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _check_lines(obj: CliContext, path: str, report: EypReport) -> list[str]:
    t = obj.t
    lines = [
        t(
            "ui.eyp.check.header",
            path=path,
            version=report.version or "?",
            encrypted=t("ui.eyp.check.encrypted") if report.encrypted else "",
            verdict=t(f"ui.eyp.verdict.{report.verdict}"),
        )
    ]
    if report.structure == "sound" and report.digests_checked:
        lines.append("  " + t("ui.eyp.check.structure.sound", digests=report.digests_checked))
    elif report.structure == "sound":
        lines.append("  " + t("ui.eyp.check.structure.sound_no_digests"))
    else:
        lines.append("  " + t("ui.eyp.check.structure.unsound"))
    if report.digests_unverifiable:
        lines.append("  " + t("ui.eyp.check.unverifiable", count=report.digests_unverifiable))
    for sig in (report.signature, report.paraf, report.seal):
        if sig is None:
            continue
        level = ""
        if sig.level_found:
            level = t("ui.eyp.check.level", found=sig.level_found, required=sig.level_required or "-")
        lines.append(
            "  "
            + t(
                "ui.eyp.check.signature",
                role_name=t(f"ui.eyp.role.{sig.role}"),
                status=t(f"ui.eyp.status.{sig.status}"),
                level=level,
            )
        )
    counts = report.counts()
    if report.findings:
        lines.append("  " + t("ui.eyp.check.findings", **counts))
        for f in report.findings:
            where = f" {f.part}" if f.part else ""
            rule = f" {f.rule}" if f.rule else ""
            lines.append(f"    [{t('ui.eyp.severity.' + f.severity)}]{rule}{where}: {f.message(obj.lang)}")
    else:
        lines.append("  " + t("ui.eyp.check.no_findings"))
    return lines


@eyp.command("check")
@click.argument("packages", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--catalogue",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SDP catalogue (JSON) to check codes against (default: sdp.catalogue, else the shipped rows).",
)
@click.option(
    "--registry",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DETSİS registry snapshot to check that numbers exist and are active (default: detsis.registry).",
)
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra trust anchors (PEM/DER file or folder) for verifying signatures; repeatable.",
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Check the signatures' structure and binding only, without cryptographic verification.",
)
@pass_obj
def check_cmd(
    obj: CliContext,
    packages: tuple[Path, ...],
    catalogue: Path | None,
    registry: Path | None,
    trust_paths: tuple[Path, ...],
    no_verify: bool,
) -> None:
    """Check e-Yazışma packages; exit 0 all acceptable, 1 one rejected, 4 one not a package."""
    sdp_catalogue = _catalogue(obj, catalogue)
    detsis_registry = _registry(obj, registry)
    trust = _trust(obj, trust_paths)
    revocation = obj.config().verification.revocation
    results: list[dict[str, Any]] = []
    exit_code = EXIT_OK
    for path in obj.progress(packages, total=len(packages)):
        try:
            report = check(
                path,
                sdp_catalogue=sdp_catalogue,
                detsis_registry=detsis_registry,
                trust=trust,
                revocation=revocation if revocation in ("online", "offline", "off") else "offline",
                verify_signatures=not no_verify,
            )
        except EbysError as exc:
            exit_code = max(exit_code, EXIT_INPUT if exc.exit_code == EXIT_INPUT else exc.exit_code)
            results.append({"path": str(path), "error": exc.to_dict(obj.lang)})
            if not obj.json:
                click.echo(obj.t("ui.eyp.check.refused", path=str(path), message=exc.localized(obj.lang)))
            continue
        if not report.accepted:
            exit_code = max(exit_code, EXIT_INVALID)
        results.append({"path": str(path), "report": report.to_dict(obj.lang)})
        if not obj.json:
            for line in _check_lines(obj, str(path), report):
                click.echo(line)
    if obj.json:
        obj.emit({"packages": results, "exit_code": exit_code})
    raise SystemExit(exit_code)


@eyp.command("show")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@pass_obj
def show_cmd(obj: CliContext, package: Path) -> None:
    """Show the subject, number, date, sender, recipients and attachments of a package.

    Nothing is verified or fetched here (the signers are named as the package states them); ``eyp check``
    gives the verdict.
    """
    report = check(package, verify_signatures=False)
    s = report.summary
    t = obj.t
    none = t("ui.eyp.show.none")
    rows: list[tuple[str, str]] = [
        (
            t("ui.eyp.show.version"),
            f"{package.name} (e-Yazışma {report.version}"
            + (t("ui.eyp.show.encrypted") if report.encrypted else "")
            + ")",
        ),
        (t("ui.eyp.show.subject"), s.subject or none),
        (t("ui.eyp.show.number"), s.number or none),
        (t("ui.eyp.show.date"), _date(s.date) or none),
        (t("ui.eyp.show.security"), s.security or none),
        (t("ui.eyp.show.sdp"), " ".join(x for x in (s.sdp_code, s.sdp_name) if x) or none),
        (t("ui.eyp.show.sender"), _party(obj, s.sender) if s.sender else none),
    ]
    block_keys = ["recipients", "attachments", "signers"]
    block_keys += ["addressees"] if s.addressees else []
    block_keys += ["references"] if s.references else []
    width = max(len(label) for label in [*(r[0] for r in rows), *(t(f"ui.eyp.show.{k}") for k in block_keys)])
    lines = [f"{label.ljust(width)} : {value}" for label, value in rows]

    def block(label: str, items: list[str]) -> None:
        lines.append(f"{label.ljust(width)} :" + ("" if items else f" {none}"))
        lines.extend(f"  - {item}" for item in items)

    block(t("ui.eyp.show.recipients"), [_party(obj, p) for p in s.recipients])
    if s.addressees:
        block(t("ui.eyp.show.addressees"), [_party(obj, p) for p in s.addressees])
    attachments = []
    for a in s.attachments:
        where = (
            f"{a.file_name} ({_size(a.size)})"
            if a.part
            else f"{a.file_name or a.kind} — {t('ui.eyp.show.not_in_package')}"
        )
        attachments.append(f"{a.number}. {a.name}: {where}")
    block(t("ui.eyp.show.attachments"), attachments)
    if s.references:
        block(t("ui.eyp.show.references"), list(s.references))
    block(t("ui.eyp.show.signers"), list(s.signers))
    data = {
        "path": str(package),
        "version": report.version,
        "encrypted": report.encrypted,
    }
    obj.emit({**data, "summary": s.to_dict()}, lines)
