"""``ebys-support apikey create|list|revoke``."""

from __future__ import annotations

import click

from ebys_support import apikeys, audit
from ebys_support.cli._context import CliContext, pass_obj


@click.group()
def apikey() -> None:
    """Manage the HTTP service's API keys."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice(list(apikeys.ROLES)), help="Role of the new key.")
@click.option("--name", default=None, help="A name to recognise the key by (default: generated).")
@pass_obj
def create(obj: CliContext, role: str, name: str | None) -> None:
    """Create a key; the key itself is printed once, alone on the last line."""
    with obj.session() as session:
        info, key = apikeys.create(session, role, name, actor=audit.cli_actor())
    if obj.json:
        obj.emit({**info.to_dict(), "key": key})
        return
    click.echo(obj.t("ui.apikey.instance", instance=obj.instance))
    click.echo(obj.t("ui.apikey.created", name=info.name, role=info.role))
    click.echo(key)


@apikey.command("list")
@pass_obj
def list_(obj: CliContext) -> None:
    """List keys (names, roles, dates; never the keys)."""
    with obj.session() as session:
        keys = apikeys.list_keys(session)

    def text() -> list[str]:
        if not keys:
            return [obj.t("ui.apikey.none")]
        header = (obj.t("ui.col.name"), obj.t("ui.col.role"), obj.t("ui.col.status"), obj.t("ui.col.created"))
        rows = [
            (
                k.name,
                k.role,
                obj.t("ui.status.active" if k.active else "ui.status.revoked"),
                k.created_at.strftime("%Y-%m-%d %H:%M"),
            )
            for k in keys
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        return [
            "  ".join(col.ljust(w) for col, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]
        ]

    obj.emit({"keys": [k.to_dict() for k in keys]}, text)


@apikey.command("revoke")
@click.argument("name")
@pass_obj
def revoke(obj: CliContext, name: str) -> None:
    """Revoke the key called NAME."""
    with obj.session() as session:
        info = apikeys.revoke(session, name, actor=audit.cli_actor())
    obj.emit(info.to_dict(), obj.t("ui.apikey.revoked", name=name))
