"""``ebys-support sayi parse|validate``: official document numbers."""

from __future__ import annotations

from typing import Any

import click

from ebys_support import code_results, i18n
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli.sdp import REGISTRY_HELP, catalogue_option, load, load_registry


@click.group("sayi")
def sayi() -> None:
    """Official document numbers (Sayı): E-DETSİS-SDP-record and the older forms."""


def _print(obj: CliContext, results: list[dict[str, Any]]) -> None:
    def text() -> list[str]:
        lines = []
        for r in results:
            if r["valid"]:
                era_key = f"ui.sayi.era.{r['era']}"
                era = obj.t(era_key) if i18n.has(era_key) else r["era"]
                lines.append(obj.t("ui.sayi.valid", input=r["input"], normalized=r["normalized"], era=era))
                parts = [
                    f"DETSİS {r['detsis']}" if r["detsis"] else r["communication_code"],
                    f"SDP {r['sdp']}",
                ]
                if r["special"]:
                    parts.append(f"[{r['special']}]")
                parts.append(obj.t("ui.sayi.record", record=r["record"]))
                if r["sdp_title"]:
                    parts.append(r["sdp_title"])
                if r["unit_name"]:
                    parts.append(r["unit_name"])
                lines.append("  " + " · ".join(parts))
                lines.extend(f"  ! {w['message']}" for w in r["warnings"])
            else:
                lines.append(obj.t("ui.sayi.invalid", input=r["input"], message=r["error"]["message"]))
        return lines

    obj.emit({"results": results}, text)
    if not all(r["valid"] for r in results):
        raise SystemExit(1)


@sayi.command("parse")
@click.argument("texts", nargs=-1, required=True)
@pass_obj
def parse(obj: CliContext, texts: tuple[str, ...]) -> None:
    """Split document numbers into their parts (syntax only); exit 1 when any is invalid."""
    _print(obj, [code_results.sayi_result(t, check=False, lang=obj.lang) for t in texts])


@sayi.command("validate")
@click.argument("texts", nargs=-1, required=True)
@catalogue_option
@click.option("--registry", "registry_path", default=None, metavar="F", help=REGISTRY_HELP)
@pass_obj
def validate(
    obj: CliContext, texts: tuple[str, ...], catalogue_spec: str | None, registry_path: str | None
) -> None:
    """Check document numbers: syntax, the SDP code against the file plan (leaf, usable in a Sayı) and,
    with --registry, the DETSİS unit; exit 1 when any is invalid."""
    cat = load(obj, catalogue_spec)
    registry = load_registry(obj, registry_path)
    results = [
        code_results.sayi_result(t, sdp_catalogue=cat, detsis_registry=registry, lang=obj.lang) for t in texts
    ]
    _print(obj, results)
