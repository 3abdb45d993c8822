"""``ebys-support sdp validate|show|search|tree|import|audit``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

import sdp_codes
from ebys_support import archive_audit, code_results, i18n, sdp_catalogues
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.errors import NotFound, UsageError, translate

_CATALOGUE_HELP = (
    "SDP catalogue: a JSON file written by 'sdp import', or a shipped one (starter, starter-tapu-kadastro, "
    "starter-et-ve-sut, starter-gthb); default: sdp.catalogue from the configuration, else starter."
)


def catalogue_option(f: Any) -> Any:
    return click.option("--catalogue", "catalogue_spec", default=None, metavar="F", help=_CATALOGUE_HELP)(f)


def load(obj: CliContext, spec: str | None) -> sdp_codes.Catalogue:
    """The catalogue named on the command line or in the configuration."""
    return sdp_catalogues.configured_catalogue(obj.config(), spec)


REGISTRY_HELP = (
    "DETSİS registry snapshot: also check that each Sayı's unit exists; default: detsis.registry from "
    "the configuration, when set."
)


def load_registry(obj: CliContext, path: str | None) -> Any:
    """The snapshot named on the command line, else the configured one, else ``None`` (no unit check)."""
    cfg = obj.config()
    source = path if path else (str(cfg.resolve(cfg.detsis.registry)) if cfg.detsis.registry else None)
    if source is None:
        return None
    from ebys_support import detsis_support

    return detsis_support.load_registry(source)


def _entry_line(obj: CliContext, entry: sdp_codes.SdpEntry, indent: str = "") -> str:
    title = entry.title or obj.t("ui.sdp.no_title")
    marks = []
    if entry.retention_raw or entry.retention_code:
        marks.append(" ".join(x for x in (entry.retention_raw, entry.retention_code) if x))
    if not entry.usable_in_sayi:
        marks.append(obj.t("ui.sdp.file_name_only"))
    if not entry.active:
        marks.append(obj.t("ui.sdp.inactive_mark"))
    suffix = f"  [{'; '.join(marks)}]" if marks else ""
    return f"{indent}{entry.code}  {title}{suffix}"


@click.group("sdp")
def sdp() -> None:
    """SDP file-plan codes (Standart Dosya Planı): check, look up, search, import, retention audit."""


@sdp.command("validate")
@click.argument("codes", nargs=-1, required=True)
@catalogue_option
@click.option("--for-sayi", is_flag=True, help="Also refuse file-name-only codes (not usable in a Sayı).")
@pass_obj
def validate(obj: CliContext, codes: tuple[str, ...], catalogue_spec: str | None, for_sayi: bool) -> None:
    """Check SDP codes against the file plan; exit 1 when any is invalid."""
    cat = load(obj, catalogue_spec)
    results = [code_results.sdp_result(c, cat, for_sayi=for_sayi, lang=obj.lang) for c in codes]

    def text() -> list[str]:
        lines = []
        for r in results:
            if r["valid"]:
                title = (r["entry"] or {}).get("title") or ""
                lines.append(
                    obj.t("ui.sdp.valid", input=r["input"], normalized=r["normalized"], title=title).rstrip()
                )
                lines.extend(f"  ! {w['message']}" for w in r["warnings"])
            else:
                lines.append(obj.t("ui.sdp.invalid", input=r["input"], message=r["error"]["message"]))
        return lines

    obj.emit({"catalogue": code_results.catalogue_dict(cat), "results": results}, text)
    if not all(r["valid"] for r in results):
        raise SystemExit(1)


@sdp.command("show")
@click.argument("code")
@catalogue_option
@pass_obj
def show(obj: CliContext, code: str, catalogue_spec: str | None) -> None:
    """Show one code of the file plan: title, retention, flags, source, parents and sub-codes."""
    cat = load(obj, catalogue_spec)
    try:
        entry = sdp_codes.lookup(code, cat)
    except sdp_codes.UnknownCode as exc:
        raise NotFound("sdp.unknown_code", details=exc.details) from None
    except sdp_codes.ValidationError as exc:
        raise translate(exc) from None
    data = code_results.entry_dict(entry, cat)

    def text() -> list[str]:
        t = obj.t
        lines = [f"{entry.code}  {entry.title or t('ui.sdp.no_title')}"]
        for a in data["path"]:
            lines.append(f"  {t('ui.sdp.label.parent')}: {a['code']}  {a['title']}")
        category = entry.category or "-"
        if i18n.has(f"ui.sdp.category.{category}"):
            category = f"{t(f'ui.sdp.category.{category}')} ({category})"
        lines.append(f"  {t('ui.sdp.label.category')}: {category}")
        retention = " ".join(x for x in (entry.retention_raw, entry.retention_code) if x) or "-"
        lines.append(f"  {t('ui.sdp.label.retention')}: {retention}")
        lines.append(
            f"  {t('ui.sdp.label.usable_in_sayi')}: {t('ui.sdp.yes' if entry.usable_in_sayi else 'ui.sdp.no')}"
        )
        lines.append(f"  {t('ui.sdp.label.active')}: {t('ui.sdp.yes' if entry.active else 'ui.sdp.no')}")
        if entry.note:
            lines.append(f"  {t('ui.sdp.label.note')}: {entry.note}")
        lines.append(f"  {t('ui.sdp.label.source')}: {entry.source} {entry.source_url}".rstrip())
        if data["children"]:
            lines.append(f"  {t('ui.sdp.label.children')}: {', '.join(data['children'])}")
        return lines

    obj.emit({"catalogue": code_results.catalogue_dict(cat), "entry": data}, text)


@sdp.command("search")
@click.argument("text", nargs=-1, required=True)
@catalogue_option
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@pass_obj
def search(obj: CliContext, text: tuple[str, ...], catalogue_spec: str | None, limit: int) -> None:
    """Find codes by title (Turkish case rules; "meclis kararlari" finds "Meclis Kararları") or code prefix."""
    cat = load(obj, catalogue_spec)
    query = " ".join(text)
    found = cat.search(query, limit=limit)

    def lines() -> list[str]:
        if not found:
            return [obj.t("ui.sdp.no_match", query=query)]
        lines = []
        for e in found:
            above = " › ".join(a.title for a in cat.ancestors(e.code) if a.title)
            lines.append(_entry_line(obj, e) + (f"  ({above})" if above else ""))
        return lines

    obj.emit({"catalogue": code_results.catalogue_dict(cat), "results": [e.to_dict() for e in found]}, lines)


@sdp.command("tree")
@click.argument("code", required=False)
@catalogue_option
@pass_obj
def tree(obj: CliContext, code: str | None, catalogue_spec: str | None) -> None:
    """Print the file plan as a tree, or the subtree under CODE."""
    cat = load(obj, catalogue_spec)
    try:
        items = list(cat.walk(sdp_codes.split(code)[0] if code else None))
    except sdp_codes.UnknownCode as exc:
        raise NotFound("sdp.unknown_code", details=exc.details) from None
    except sdp_codes.ValidationError as exc:
        raise translate(exc) from None
    obj.emit(
        {
            "catalogue": code_results.catalogue_dict(cat),
            "tree": [{"depth": d, **e.to_dict()} for d, e in items],
        },
        lambda: [_entry_line(obj, e, "  " * d) for d, e in items],
    )


@sdp.command("import")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Catalogue JSON to write."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sdp_catalogues.FORMATS),
    default=None,
    help="Default: from SRC's extension.",
)
@click.option("--name", default=None, help="Catalogue name (default: SRC's file name).")
@click.option("--title", default="", help="Description.")
@click.option("--source", default=None, help="Where the plan comes from (default: SRC's name and format).")
@click.option("--revision", default=None, help="The plan's revision (default: a hash of SRC).")
@click.option("--licence", default="", help="The data licence, as far as known.")
@click.option(
    "--covers",
    default=None,
    metavar="RANGES",
    help="Main subjects the plan holds completely, e.g. 000-999 or 000-099,600-999 or all "
    "(default: the main codes it has).",
)
@pass_obj
def import_(
    obj: CliContext,
    src: Path,
    out: Path,
    fmt: str | None,
    name: str | None,
    title: str,
    source: str | None,
    revision: str | None,
    licence: str,
    covers: str | None,
) -> None:
    """Read an institution's file plan (CSV/XLSX in the published layout, or DETSİS KurumSDPKodlariGetirWs
    rows as JSON) and write it as a catalogue for --catalogue."""
    cat = sdp_catalogues.read_plan(
        src,
        fmt=fmt,
        name=name,
        title=title,
        source=source,
        revision=revision,
        licence=licence,
        covers=[c for c in covers.split(",") if c.strip()] if covers else None,
    )
    sdp_catalogues.write_catalogue(cat, out)
    info = code_results.catalogue_dict(cat)
    obj.emit(
        {"out": str(out), "catalogue": info},
        obj.t("ui.sdp.imported", count=len(cat), out=str(out), covers=", ".join(info["covers"]) or "-"),
    )


import_.name = "import"


def _as_of(value: str | None) -> Any:
    if value is None:
        return None
    parsed = archive_audit.parse_date(value)
    if parsed is None:
        raise UsageError("sdp.audit.invalid_as_of", details={"value": value[:40]})
    return parsed


@sdp.command("audit")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@catalogue_option
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="DATE",
    help="Audit date, YYYY-MM-DD or DD.MM.YYYY (default: today).",
)
@click.option("--columns", default=None, metavar="MAP", help="Column names, e.g. 'sayi=Belge No,date=Tarih'.")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="REPORT.csv or REPORT.json."
)
@click.option(
    "--dispositions",
    default=None,
    metavar="F",
    help="Retention rules JSON (default: sdp.dispositions, else shipped).",
)
@click.option("--registry", "registry_path", default=None, metavar="F", help=REGISTRY_HELP)
@pass_obj
def audit(
    obj: CliContext,
    export: Path,
    catalogue_spec: str | None,
    as_of: str | None,
    columns: str | None,
    out: Path,
    dispositions: str | None,
    registry_path: str | None,
) -> None:
    """Check every record of an EBYS archive export and list problems and records due for disposition;
    exit 1 when any record has a problem."""
    date = _as_of(as_of)
    archive_audit.parse_columns(columns)
    cat = load(obj, catalogue_spec)
    rules_path = dispositions or obj.config().sdp.dispositions
    rules = sdp_catalogues.load_rules(
        obj.config().resolve(rules_path) if rules_path and not dispositions else rules_path
    )
    registry = load_registry(obj, registry_path)
    progress = None
    bar: Any = None
    if sys.stderr.isatty() and not obj.json:
        with open(export, "rb") as fh:
            total = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        bar = obj.progress(iter(()), total=total, desc="sdp audit")
        if hasattr(bar, "update"):
            progress = lambda line: bar.update(line - bar.n)  # noqa: E731
    try:
        summary = archive_audit.run(
            export,
            out,
            catalogue=cat,
            rules=rules,
            as_of=date,
            columns=columns,
            lang=obj.lang,
            detsis_registry=registry,
            progress=progress,
        )
    finally:
        if hasattr(bar, "close"):
            bar.close()
    data = summary.to_dict()

    def text() -> list[str]:
        t = obj.t
        lines = [
            t(
                "ui.sdp.audit.summary",
                records=data["records"],
                valid=data["valid"],
                problems=data["problems"],
                due=data["due"],
                out=str(out),
            ),
            t("ui.sdp.audit.unchecked", not_checked=data["not_checked"], without=data["without_retention"]),
        ]
        if data["errors"]:
            lines.append(t("ui.sdp.audit.by_error"))
            lines.extend(f"  {code}: {n}" for code, n in data["errors"].items())
        if data["dispositions"]:
            lines.append(t("ui.sdp.audit.by_disposition"))
            lines.extend(
                f"  {key}: {n} — {data['disposition_labels'].get(key, key)}"
                for key, n in data["dispositions"].items()
            )
        return lines

    obj.emit({"out": str(out), "summary": data}, text)
    if summary.problems:
        raise SystemExit(1)
