"""``ebys-support certs import|list|expiring``: the staff certificate inventory."""

from __future__ import annotations

from pathlib import Path

import click

from ebys_support import audit
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._kamusm import cert_status_label, read_input, table


@click.group()
def certs() -> None:
    """The inventory of staff certificates (deduplicated by issuer and serial)."""


@certs.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@pass_obj
def import_(obj: CliContext, files: tuple[Path, ...]) -> None:
    """Import certificates from FILES: certificate files (PEM/DER), `token list --json` output or
    verification reports (`verify --json`). The kind of each file is recognised from its content."""
    from ebys_support.kamusm import certimport, store

    batches = []
    for path in files:
        records, skipped, source = certimport.read_any(path, read_input(path))
        batches.append((path, records, skipped, source))
    per_file = []
    with obj.session() as session:
        for path, records, skipped, source in batches:
            result = store.import_certificates(session, records, actor=audit.cli_actor(), source=source)
            per_file.append({"file": str(path), "source": source, **result.to_dict(), "skipped": skipped})
        store.refresh_certificate_statuses(session, actor=audit.cli_actor())

    def text() -> list[str]:
        return [obj.t("ui.kamusm.certs.imported", **f) for f in per_file]

    obj.emit({"files": per_file}, text)


def _cert_rows(obj: CliContext, items: list[dict[str, object]]) -> list[str]:
    if not items:
        return [obj.t("ui.kamusm.none")]
    heads = (
        "id",
        "tckn",
        obj.t("ui.kamusm.col.serial"),
        obj.t("ui.kamusm.col.not_after"),
        obj.t("ui.kamusm.col.days_left"),
        obj.t("ui.col.status"),
        obj.t("ui.kamusm.col.card"),
    )
    rows = [
        (
            c["id"],
            c["tckn"] or "",
            c["serial"],
            str(c["not_after"] or "")[:10],
            c["days_left"] if c["days_left"] is not None else "",
            cert_status_label(obj, str(c["status"])),
            c["card_serial"] or "",
        )
        for c in items
    ]
    return table(heads, rows)


@certs.command("list")
@click.option("--status", type=click.Choice(["active", "expired", "revoked", "suspended", "replaced"]))
@click.option("--tckn", default=None, help="Only this holder's certificates.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=50, show_default=True, type=click.IntRange(1, 500))
@pass_obj
def list_(obj: CliContext, status: str | None, tckn: str | None, page: int, per_page: int) -> None:
    """List certificates, soonest expiry first."""
    from ebys_support.kamusm import store

    with obj.session() as session:
        store.refresh_certificate_statuses(session, actor=audit.cli_actor())
        result = store.list_certificates(session, status=status, tckn=tckn, page=page, per_page=per_page)
    obj.emit(
        result.to_dict(),
        lambda: [*_cert_rows(obj, result.items), obj.t("ui.kamusm.page", page=page, total=result.total)],
    )


@certs.command("expiring")
@click.option("--days", required=True, type=click.IntRange(0), help="Ending within this many days.")
@click.option("--notify", is_flag=True, help="E-mail each holder (and kamusm.notify_cc) through SMTP.")
@pass_obj
def expiring(obj: CliContext, days: int, notify: bool) -> None:
    """Active certificates that end within --days, with their holder and open renewal."""
    from ebys_support.kamusm import notify as notify_mod
    from ebys_support.kamusm import store

    with obj.session() as session:
        store.refresh_certificate_statuses(session, actor=audit.cli_actor())
        items = store.expiring(session, days)
    data: dict[str, object] = {"days": days, "certificates": items}
    if notify and items:
        cfg = obj.config()
        mails = notify_mod.expiry_mails(items, lang=obj.lang, cc=cfg.kamusm.notify_cc)
        result = notify_mod.send(cfg.smtp, mails)
        data["notified"] = result.to_dict()
        with obj.session() as session:
            audit.append(
                session,
                actor=audit.cli_actor(),
                action="certificate.expiry_notice",
                entity="certificate",
                after={"certificates": [c["id"] for c in items], **result.to_dict()},
            )

    def text() -> list[str]:
        lines = _cert_rows(obj, items) if items else [obj.t("ui.kamusm.certs.none_expiring", days=days)]
        if "notified" in data:
            lines.append(obj.t("ui.kamusm.notified", **data["notified"]))  # type: ignore[arg-type]
        return lines

    obj.emit(data, text)


__all__ = ["certs"]
