"""``ebys-support people import|list|show``: the staff who hold qualified certificates."""

from __future__ import annotations

from pathlib import Path

import click

from ebys_support import audit
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._kamusm import (
    cert_status_label,
    read_input,
    settings,
    status_label,
    table,
    type_label,
)


@click.group(short_help="People (T.C. Kimlik No, name, unit, e-mail) for KamuSM requests.")
def people() -> None:
    """People (T.C. Kimlik No, name, unit, e-mail) for KamuSM requests."""


@people.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_obj
def import_(obj: CliContext, file: Path) -> None:
    """Create or update people from a CSV (tckn,name,unit,detsis_no,email,phone,active) or JSON file.

    Bad rows are listed and skipped; the command exits 1 when there were any.
    """
    from ebys_support.kamusm import store

    read_input(file)
    rows = store.read_people_file(file)
    with obj.session() as session:
        result = store.import_people(session, rows, actor=audit.cli_actor())

    def text() -> list[str]:
        lines = [obj.t("ui.kamusm.people.imported", **result.to_dict())]
        for err in result.errors:
            lines.append(obj.t("ui.kamusm.row_error", row=err["row"], code=err["code"]))
        return lines

    obj.emit(result.to_dict(), text)
    if result.errors:
        raise SystemExit(1)


@people.command("list")
@click.option("--unit", default=None, help="Only this unit.")
@click.option("--active/--inactive", "active", default=None, help="Only active (or inactive) people.")
@click.option("--search", "q", default=None, help="Part of a name, or the start of a T.C. Kimlik No.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=50, show_default=True, type=click.IntRange(1, 500))
@pass_obj
def list_(
    obj: CliContext, unit: str | None, active: bool | None, q: str | None, page: int, per_page: int
) -> None:
    """List people by name."""
    from ebys_support.kamusm import store

    with obj.session() as session:
        result = store.list_people(session, unit=unit, active=active, q=q, page=page, per_page=per_page)

    def text() -> list[str]:
        if not result.items:
            return [obj.t("ui.kamusm.none")]
        rows = [
            (
                p["id"],
                p["tckn"],
                p["name"],
                p["unit"],
                p["email"] or "",
                "" if p["active"] else obj.t("ui.kamusm.inactive"),
            )
            for p in result.items
        ]
        heads = (
            "id",
            "tckn",
            obj.t("ui.col.name"),
            obj.t("ui.kamusm.col.unit"),
            obj.t("ui.kamusm.col.email"),
            "",
        )
        return [*table(heads, rows), obj.t("ui.kamusm.page", page=page, total=result.total)]

    obj.emit(result.to_dict(), text)


@people.command("show")
@click.argument("person")
@pass_obj
def show(obj: CliContext, person: str) -> None:
    """Show a person (by id or T.C. Kimlik No) with their certificates and requests."""
    from ebys_support.kamusm import store

    with obj.session() as session:
        p = store.get_person(session, person)
        data = store.person_dict(p)
        data["certificates"] = store.list_certificates(session, person_id=p.id, per_page=500).items
        data["requests"] = store.list_requests(session, settings(obj), person=p.id, per_page=500).items

    def text() -> list[str]:
        lines = [f"{data['name']}  ({data['tckn']})", f"{obj.t('ui.kamusm.col.unit')}: {data['unit']}"]
        for key, value in (("email", data["email"]), ("phone", data["phone"])):
            if value:
                lines.append(f"{obj.t('ui.kamusm.col.' + key)}: {value}")
        if not data["active"]:
            lines.append(obj.t("ui.kamusm.inactive"))
        lines += ["", obj.t("ui.kamusm.col.certificates") + ":"]
        if data["certificates"]:
            lines += table(
                (
                    "id",
                    obj.t("ui.kamusm.col.serial"),
                    obj.t("ui.kamusm.col.not_after"),
                    obj.t("ui.col.status"),
                ),
                [
                    (c["id"], c["serial"], (c["not_after"] or "")[:10], cert_status_label(obj, c["status"]))
                    for c in data["certificates"]
                ],
            )
        else:
            lines.append(obj.t("ui.kamusm.none"))
        lines += ["", obj.t("ui.kamusm.col.requests") + ":"]
        if data["requests"]:
            lines += table(
                ("id", obj.t("ui.kamusm.col.type"), obj.t("ui.col.status")),
                [
                    (r["id"], type_label(obj, r["type"]), status_label(obj, r["status"]))
                    for r in data["requests"]
                ],
            )
        else:
            lines.append(obj.t("ui.kamusm.none"))
        return lines

    obj.emit(data, text)


__all__ = ["people"]
