"""``ebys-support audit verify|show|export``: the tamper-evident audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ebys_support import audit as audit_mod
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._kamusm import table, write_atomic
from ebys_support.errors import InputError, UsageError


@click.group()
def audit() -> None:
    """Audit records of every change, chained by hashes."""


def _verdict(obj: CliContext, result: audit_mod.VerifyResult) -> list[str]:
    if result.ok:
        return [
            obj.t(
                "ui.audit.intact",
                records=result.records,
                head_seq=result.head_seq,
                head_hash=result.head_hash,
            )
        ]
    details = dict(result.details or {})
    return [
        obj.t("ui.audit.broken", seq=result.first_broken),
        obj.t(result.problem or "audit.hash_mismatch", seq=result.first_broken, **details),
    ]


def _anchor(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    digest = digest.strip().lower()
    if not seq.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise UsageError("audit.bad_anchor", details={"value": value})
    return int(seq), digest


@audit.command("verify")
@click.option(
    "--file", "file", type=click.Path(path_type=Path, dir_okay=False), help="Check an export instead."
)
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    metavar="SEQ:HASH",
    help="A chain head noted earlier (e.g. from an export header); the record must still have that hash.",
)
@pass_obj
def verify(obj: CliContext, file: Path | None, anchors: tuple[str, ...]) -> None:
    """Check the chain and name the first broken record; exits 1 when it is broken."""
    pins = dict(_anchor(a) for a in anchors)
    if file is not None:
        try:
            with file.open(encoding="utf-8") as fh:
                result = audit_mod.read_export(fh, anchors=pins)
        except OSError as exc:
            raise InputError("input.unreadable", details={"path": str(file), "reason": exc.strerror}) from exc
        except UnicodeDecodeError as exc:
            raise InputError("audit.export_unreadable", details={"line": "?"}) from exc
    else:
        with obj.session() as session:
            result = audit_mod.verify(session, anchors=pins)
    obj.emit(result.to_dict(), _verdict(obj, result))
    if not result.ok:
        raise SystemExit(1)


@audit.command("show")
@click.argument("seq", type=int, required=False)
@click.option("--entity", default=None, help="person, certificate, request, apikey, ...")
@click.option("--entity-id", default=None)
@click.option("--actor", default=None)
@click.option("--action", default=None)
@click.option("--since", default=None, help="ISO time, e.g. 2026-01-31 or 2026-01-31T08:00:00Z.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@pass_obj
def show(
    obj: CliContext,
    seq: int | None,
    entity: str | None,
    entity_id: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    limit: int,
) -> None:
    """Show record SEQ, or the newest records matching the filters."""
    with obj.session() as session:
        if seq is not None:
            rec = audit_mod.get(session, seq)
            obj.emit(rec.to_dict(), json.dumps(rec.to_dict(), ensure_ascii=False, indent=2))
            return
        recs = audit_mod.records(
            session, entity=entity, entity_id=entity_id, actor=actor, action=action, since=since, limit=limit
        )
    rows = [
        (r.seq, r.ts[:19].replace("T", " "), r.actor, r.action, f"{r.entity}:{r.entity_id or ''}")
        for r in recs
    ]
    heads = tuple(obj.t(f"ui.audit.col.{c}") for c in ("seq", "ts", "actor", "action", "entity"))
    obj.emit(
        {"records": [r.to_dict() for r in recs]},
        lambda: table(heads, rows) if rows else [obj.t("ui.audit.none")],
    )


@audit.command("export")
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Default: standard output."
)
@click.option("--from-seq", default=1, show_default=True, type=click.IntRange(1))
@pass_obj
def export(obj: CliContext, out: Path | None, from_seq: int) -> None:
    """Write the chain as JSON Lines for an auditor (first line: header with the chain head)."""
    import sys

    with obj.session() as session:
        if out is None:
            result = audit_mod.export(session, sys.stdout, from_seq=from_seq)
        else:
            holder: list[audit_mod.VerifyResult] = []
            write_atomic(
                out, lambda fh: holder.append(audit_mod.export(session, fh, from_seq=from_seq)), newline="\n"
            )
            result = holder[0]
    if out is not None:
        obj.emit(
            {"path": str(out), **result.to_dict()},
            obj.t("ui.audit.exported", records=result.records, path=str(out), head_seq=result.head_seq),
        )
    if not result.ok:
        click.echo(_verdict(obj, result)[0], err=True)
        raise SystemExit(1)


__all__ = ["audit"]
