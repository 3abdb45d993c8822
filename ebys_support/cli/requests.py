"""``ebys-support requests new|list|show|move|assign|update|note|attach|report|draft-renewals``."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from ebys_support import audit
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._kamusm import read_input, settings, status_label, table, type_label, write_atomic
from ebys_support.kamusm.states import PaymentMode, RequestStatus, RequestType, UpdateReason

_TYPES = [str(t) for t in RequestType]
_STATUSES = [str(s) for s in RequestStatus]


@click.group()
def requests() -> None:
    """KamuSM certificate requests: new, renewal, lost/stolen, PIN unblock, revocation, ..."""


def _brief(obj: CliContext, r: dict[str, Any]) -> str:
    return obj.t(
        "ui.kamusm.request.brief",
        id=r["id"],
        type=type_label(obj, r["type"]),
        status=status_label(obj, r["status"]),
        version=r["version"],
    )


def _local(stamp: str | None, tz: tzinfo) -> str:
    """An ISO UTC time as ``YYYY-MM-DD HH:MM:SS`` in the institution's time zone (``kamusm.timezone``)."""
    if not stamp:
        return "-"
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _allowed(obj: CliContext, targets: list[str]) -> str:
    """Next statuses as codes (what `move` takes), with their labels where the language differs."""
    if obj.lang == "en":
        return ", ".join(targets) or "-"
    return ", ".join(f"{t} ({status_label(obj, t)})" for t in targets) or "-"


@requests.command("new")
@click.option("--type", "rtype", required=True, type=click.Choice(_TYPES), help="Request type.")
@click.option("--person", required=True, help="Id or T.C. Kimlik No of the applicant.")
@click.option("--reason", type=click.Choice([str(r) for r in UpdateReason]), help="For --type update.")
@click.option("--certificate", "certificate_id", type=int, help="Related certificate id (default: current).")
@click.option(
    "--payment", type=click.Choice([str(p) for p in PaymentMode]), default="institution", show_default=True
)
@click.option("--assignee", default=None, help="Who handles it.")
@click.option("--note", default=None, help="A first note.")
@pass_obj
def new(
    obj: CliContext,
    rtype: str,
    person: str,
    reason: str | None,
    certificate_id: int | None,
    payment: str,
    assignee: str | None,
    note: str | None,
) -> None:
    """Open a request (as a draft)."""
    from ebys_support.kamusm import store

    cfg = settings(obj)
    with obj.session() as session:
        req = store.create_request(
            session, cfg, actor=audit.cli_actor(), type=rtype, person=person, reason=reason,
            certificate_id=certificate_id, payment_mode=payment, assignee=assignee, note=note,
        )  # fmt: skip
        data = store.request_dict(req, settings=cfg)
    obj.emit(data, _brief(obj, data))


@requests.command("list")
@click.option("--status", type=click.Choice(_STATUSES))
@click.option("--type", "rtype", type=click.Choice(_TYPES))
@click.option("--unit", default=None)
@click.option("--person", default=None, help="Id or T.C. Kimlik No.")
@click.option("--assignee", default=None)
@click.option("--open", "open_only", is_flag=True, help="Only open requests.")
@click.option("--overdue", is_flag=True, help="Only requests past their SLA due date.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=50, show_default=True, type=click.IntRange(1, 500))
@pass_obj
def list_(
    obj: CliContext,
    status: str | None,
    rtype: str | None,
    unit: str | None,
    person: str | None,
    assignee: str | None,
    open_only: bool,
    overdue: bool,
    page: int,
    per_page: int,
) -> None:
    """List requests, newest first."""
    from ebys_support.kamusm import store

    cfg = settings(obj)
    tz = cfg.calendar.tz()
    with obj.session() as session:
        result = store.list_requests(
            session, cfg, status=status, type=rtype, unit=unit, person=person, assignee=assignee,
            open_only=open_only, overdue=overdue, page=page, per_page=per_page,
        )  # fmt: skip

    def text() -> list[str]:
        if not result.items:
            return [obj.t("ui.kamusm.none")]
        heads = (
            "id",
            obj.t("ui.kamusm.col.type"),
            obj.t("ui.col.status"),
            obj.t("ui.col.name"),
            obj.t("ui.kamusm.col.unit"),
            obj.t("ui.kamusm.col.due"),
            obj.t("ui.kamusm.col.assignee"),
        )
        rows = [
            (
                r["id"],
                type_label(obj, r["type"]),
                status_label(obj, r["status"]),
                (r["person"] or {}).get("name", ""),
                r["unit"],
                (_local(r["due_at"], tz)[:10] if r["due_at"] else "")
                + (" !" if r["sla"]["breached"] else ""),
                r["assignee"] or "",
            )
            for r in result.items
        ]
        return [*table(heads, rows), obj.t("ui.kamusm.page", page=page, total=result.total)]

    obj.emit(result.to_dict(), text)


@requests.command("show")
@click.argument("request_id", type=int)
@pass_obj
def show(obj: CliContext, request_id: int) -> None:
    """Show a request with its history and attachments."""
    from ebys_support.kamusm import store

    cfg = settings(obj)
    with obj.session() as session:
        req = store.get_request(session, request_id)
        person = store.get_person(session, req.person_id)
        data = store.request_dict(req, person, settings=cfg)
        data["history"] = store.history(session, request_id)
        data["attachments"] = store.attachments(session, request_id)

    tz = cfg.calendar.tz()

    def text() -> list[str]:
        lines = [
            _brief(obj, data),
            f"{obj.t('ui.col.name')}: {person.name} ({person.tckn}), {data['unit']}",
            obj.t("ui.kamusm.request.sla", **data["sla"], due=_local(data["due_at"], tz)[:10]),
            obj.t("ui.kamusm.request.allowed", allowed=_allowed(obj, data["allowed_transitions"])),
        ]
        shown = {
            "reason": obj.t(f"ui.kamusm.reason.{data['reason']}") if data["reason"] else None,
            "assignee": data["assignee"],
            "kamusm_ref": data["kamusm_ref"],
            "tracking_no": data["tracking_no"],
            "payment_mode": obj.t(f"ui.kamusm.payment.{data['payment_mode']}"),
            "certificate_id": data["certificate_id"],
            "delivered_certificate_id": data["delivered_certificate_id"],
        }
        for name, value in shown.items():
            if value is not None:
                lines.append(f"{obj.t('ui.kamusm.field.' + name)}: {value}")
        lines.append("")
        for ev in data["history"]:
            if ev["to"]:
                move = status_label(obj, ev["to"])
                if ev["from"]:
                    move = f"{status_label(obj, ev['from'])} → {move}"
            else:
                move = obj.t(f"ui.kamusm.event.{ev['kind']}")
            lines.append(f"{_local(ev['ts'], tz)}  {ev['actor']}  {move}  {ev['note'] or ''}".rstrip())
        for att in data["attachments"]:
            lines.append(f"[{att['id']}] {att['filename']} ({att['kind']}, {att['size']} B)")
        return lines

    obj.emit(data, text)


@requests.command("move")
@click.argument("request_id", type=int)
@click.argument("status", type=click.Choice(_STATUSES))
@click.option("--note", default=None, help="Why (kept in the history).")
@click.option(
    "--version", "expected_version", type=int, default=None, help="Refuse if the request changed since."
)
@pass_obj
def move(
    obj: CliContext, request_id: int, status: str, note: str | None, expected_version: int | None
) -> None:
    """Move request ID to STATUS (only along its type's transition table)."""
    from ebys_support.kamusm import store

    cfg = settings(obj)
    with obj.session() as session:
        req = store.transition(
            session,
            cfg,
            request_id,
            status,
            actor=audit.cli_actor(),
            note=note,
            expected_version=expected_version,
        )
        data = store.request_dict(req, settings=cfg)
    obj.emit(data, _brief(obj, data))


@requests.command("assign")
@click.argument("request_id", type=int)
@click.argument("assignee")
@click.option(
    "--version", "expected_version", type=int, default=None, help="Refuse if the request changed since."
)
@pass_obj
def assign(obj: CliContext, request_id: int, assignee: str, expected_version: int | None) -> None:
    """Give request ID to ASSIGNEE ("-" to unassign)."""
    from ebys_support.kamusm import store

    cfg = settings(obj)
    with obj.session() as session:
        req = store.update_request(
            session, cfg, request_id, {"assignee": None if assignee == "-" else assignee},
            actor=audit.cli_actor(), expected_version=expected_version,
        )  # fmt: skip
        data = store.request_dict(req, settings=cfg)
    obj.emit(data, _brief(obj, data))


@requests.command("update")
@click.argument("request_id", type=int)
@click.option("--kamusm-ref", default=None, help="KamuSM's reference of the application.")
@click.option("--tracking-no", default=None, help="Shipment tracking number of the card.")
@click.option("--payment", type=click.Choice([str(p) for p in PaymentMode]), default=None)
@click.option("--certificate", "certificate_id", type=int, default=None, help="Related certificate id.")
@click.option(
    "--delivered-certificate",
    "delivered_certificate_id",
    type=int,
    default=None,
    help="Id of the certificate KamuSM delivered (linked on closing).",
)
@click.option("--note", default=None, help="Why (kept in the history).")
@click.option(
    "--version", "expected_version", type=int, default=None, help="Refuse if the request changed since."
)
@pass_obj
def update(
    obj: CliContext,
    request_id: int,
    kamusm_ref: str | None,
    tracking_no: str | None,
    payment: str | None,
    certificate_id: int | None,
    delivered_certificate_id: int | None,
    note: str | None,
    expected_version: int | None,
) -> None:
    """Record request ID's KamuSM reference, tracking number, payment mode or certificates ("-" clears
    a text field). Its status changes only with `move`."""
    from ebys_support.errors import UsageError
    from ebys_support.kamusm import store

    changes: dict[str, Any] = {}
    for name, value in (("kamusm_ref", kamusm_ref), ("tracking_no", tracking_no)):
        if value is not None:
            changes[name] = None if value == "-" else value
    for name, number in (
        ("payment_mode", payment),
        ("certificate_id", certificate_id),
        ("delivered_certificate_id", delivered_certificate_id),
    ):
        if number is not None:
            changes[name] = number
    if not changes:
        raise UsageError("kamusm.nothing_to_update")
    cfg = settings(obj)
    with obj.session() as session:
        before = store.get_request(session, request_id).version
        req = store.update_request(
            session, cfg, request_id, changes, actor=audit.cli_actor(),
            expected_version=expected_version, note=note,
        )  # fmt: skip
        data = store.request_dict(req, settings=cfg)
    if data["version"] == before:
        obj.emit(data, obj.t("ui.kamusm.request.unchanged", id=request_id))
    else:
        obj.emit(data, _brief(obj, data))


@requests.command("note")
@click.argument("request_id", type=int)
@click.argument("text")
@pass_obj
def note(obj: CliContext, request_id: int, text: str) -> None:
    """Add a note to request ID's history."""
    from ebys_support.kamusm import store

    with obj.session() as session:
        store.add_note(session, request_id, text, actor=audit.cli_actor())
    obj.emit({"id": request_id, "note": text.strip()}, obj.t("ui.kamusm.request.noted", id=request_id))


@requests.command("attach")
@click.argument("request_id", type=int)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind", type=click.Choice(["diagnosis", "form", "other"]), help="Default: recognised from content."
)
@pass_obj
def attach(obj: CliContext, request_id: int, file: Path, kind: str | None) -> None:
    """Attach FILE (a token diagnosis JSON, a scanned form) to request ID."""
    from ebys_support.kamusm import store

    content = read_input(file)
    with obj.session() as session:
        att = store.attach(session, request_id, file.name, content, actor=audit.cli_actor(), kind=kind)
        data = store.attachment_dict(att)
    obj.emit(
        data, obj.t("ui.kamusm.request.attached", id=request_id, filename=data["filename"], kind=data["kind"])
    )


@requests.command("report")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Default: standard output."
)
@pass_obj
def report(obj: CliContext, fmt: str, out: Path | None) -> None:
    """Open requests by status, type and unit; SLA breaches; median days per status; certificates
    expiring per month. CSV is UTF-8 with a BOM so that Excel shows Turkish letters."""
    from ebys_support.kamusm import store

    with obj.session() as session:
        store.refresh_certificate_statuses(session, actor=audit.cli_actor())
        data = store.report(session, settings(obj))
    if fmt == "json" or (obj.json and out is None):
        payload = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if out is None:
            click.echo(payload, nl=False)
        else:
            write_atomic(out, lambda fh: fh.write(payload))
    else:
        rows = store.report_csv_rows(data)
        if out is None:
            sys.stdout.write("\ufeff")
            csv.writer(sys.stdout, lineterminator="\r\n").writerows(rows)
            sys.stdout.flush()
        else:
            write_atomic(
                out, lambda fh: csv.writer(fh, lineterminator="\r\n").writerows(rows), encoding="utf-8-sig"
            )
    if out is not None:
        click.echo(obj.t("ui.kamusm.report.written", path=str(out)), err=True)


@requests.command("draft-renewals")
@click.option(
    "--days", required=True, type=click.IntRange(0), help="Certificates ending within this many days."
)
@click.option("--notify", is_flag=True, help="E-mail the holders of the newly opened drafts through SMTP.")
@pass_obj
def draft_renewals(obj: CliContext, days: int, notify: bool) -> None:
    """Open a renewal draft for each certificate ending within --days (once: a second run opens nothing,
    and with --notify nobody is e-mailed twice)."""
    from ebys_support.kamusm import notify as notify_mod
    from ebys_support.kamusm import store

    cfg = settings(obj)
    with obj.session() as session:
        store.refresh_certificate_statuses(session, actor=audit.cli_actor())
        opened = store.draft_renewals(
            session, cfg, days, actor=audit.cli_actor(), note=obj.t("ui.kamusm.renewals.note")
        )
        items = [store.request_dict(r, settings=cfg) for r in opened]
        ids = {r.id for r in opened}
        notices = [c for c in store.expiring(session, days) if c["open_renewal_id"] in ids]
    data: dict[str, Any] = {"days": days, "opened": items}
    lines = [obj.t("ui.kamusm.renewals.opened", count=len(items), days=days)] + [
        _brief(obj, r) for r in items
    ]
    if notify:
        config = obj.config()
        result = notify_mod.send(
            config.smtp, notify_mod.expiry_mails(notices, lang=obj.lang, cc=config.kamusm.notify_cc)
        )
        data["notified"] = result.to_dict()
        lines.append(obj.t("ui.kamusm.notified", **result.to_dict()))
    obj.emit(data, lines)


__all__ = ["requests"]
