"""``ebys-support detsis validate|show|tree|search|check-mapping|diff|sync``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

import detsis as detsis_lib
from ebys_support import detsis_support
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.errors import UsageError

_REGISTRY_HELP = "Registry snapshot (JSON or CSV); default: detsis.registry from the configuration."


def _registry(obj: CliContext, path: str | None) -> detsis_lib.Registry:
    if not path:
        configured = obj.config().detsis.registry
        path = str(obj.config().resolve(configured)) if configured else None
    return detsis_support.load_registry(path)


def _lookup(registry: detsis_lib.Registry, number: str) -> detsis_lib.DETSISUnit:
    try:
        return registry.lookup(number)
    except detsis_lib.ValidationError as exc:
        raise detsis_support.to_error(exc) from None


def _checked_institution(value: str) -> str:
    """An --institution value: a bad number is a usage error (exit 2), not a finding (exit 1)."""
    try:
        return detsis_lib.validate(value)
    except detsis_lib.ValidationError as exc:
        raise UsageError(exc.code, details=exc.details) from None


def _institution(obj: CliContext, given: str | None) -> str:
    if given:
        return _checked_institution(given)
    configured = obj.config().detsis.institution
    if configured:
        return str(configured)
    raise UsageError("detsis.institution_required")


def _line(obj: CliContext, unit: detsis_lib.DETSISUnit) -> str:
    mark = "" if unit.active else " " + obj.t("ui.detsis.inactive_mark")
    return f"{unit.detsis}  {unit.name}{mark}"


@click.group("detsis")
def detsis() -> None:
    """DETSİS unit numbers, the registry snapshot, the unit mapping and the web-service sync."""


@detsis.command("validate")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--registry", "registry_path", default=None, help="Also check the units exist and are active.")
@click.option(
    "--institution", default=None, help="With --registry: the units must belong to this institution."
)
@pass_obj
def validate(
    obj: CliContext, numbers: tuple[str, ...], registry_path: str | None, institution: str | None
) -> None:
    """Check DETSİS numbers (8 digits, the first not 0); exit 1 when any is invalid."""
    registry = detsis_support.load_registry(registry_path) if registry_path else None
    if institution and registry is None:
        raise UsageError("detsis.institution_needs_registry")
    if institution:
        institution = _checked_institution(institution)
    results = detsis_support.validate_results(list(numbers), obj.lang, registry, institution)

    def text() -> list[str]:
        lines = []
        for r in results:
            if r["valid"] and "name" in r:
                lines.append(obj.t("ui.detsis.valid_unit", input=r["input"], name=r["name"]))
            elif r["valid"]:
                lines.append(obj.t("ui.detsis.valid", input=r["input"], normalized=r["normalized"]))
            else:
                lines.append(obj.t("ui.detsis.invalid", input=r["input"], message=r["error"]["message"]))
        return lines

    obj.emit({"results": results}, text)
    if not all(r["valid"] for r in results):
        raise SystemExit(1)


@detsis.command("show")
@click.argument("number")
@click.option("--registry", "registry_path", default=None, help=_REGISTRY_HELP)
@pass_obj
def show(obj: CliContext, number: str, registry_path: str | None) -> None:
    """Show one unit, its place in the hierarchy and its institution."""
    registry = _registry(obj, registry_path)
    unit = _lookup(registry, number)
    path = registry.path(unit.detsis)
    institution = registry.get(unit.institution) if unit.institution else unit
    data = {
        **unit.to_dict(),
        "path": [u.to_dict() for u in path],
        "institution_name": institution.name if institution is not None else None,
    }

    def yes(value: bool) -> str:
        return obj.t("ui.detsis.yes" if value else "ui.detsis.no")

    def text() -> list[str]:
        rows = [
            ("detsis", unit.number),
            ("name", unit.name),
            ("parent", f"{unit.parent}  {registry.lookup(unit.parent).name}" if unit.parent else "-"),
            ("institution", f"{data['institution']}  {data['institution_name'] or ''}".strip()),
            ("level", "-" if unit.level is None else str(unit.level)),
            ("active", yes(unit.active)),
            ("operating", yes(unit.operating)),
            ("external", yes(unit.external_correspondent)),
            ("place", unit.place_name or "-"),
            ("path", " > ".join(u.name for u in path)),
        ]
        labels = [obj.t(f"ui.detsis.field.{key}") for key, _ in rows]
        width = max(len(label) for label in labels)
        return [f"{label.ljust(width)}  {value}" for label, (_, value) in zip(labels, rows, strict=True)]

    obj.emit(data, text)


@detsis.command("tree")
@click.argument("number")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="Levels below the unit to show.")
@click.option("--registry", "registry_path", default=None, help=_REGISTRY_HELP)
@pass_obj
def tree(obj: CliContext, number: str, depth: int | None, registry_path: str | None) -> None:
    """Show the units under a unit, as a tree."""
    registry = _registry(obj, registry_path)
    root = _lookup(registry, number)

    def node(unit: detsis_lib.DETSISUnit, level: int) -> dict[str, Any]:
        data = {"detsis": unit.number, "name": unit.name, "active": unit.active, "children": []}
        if depth is None or level < depth:
            data["children"] = [node(child, level + 1) for child in registry.children(unit.detsis)]
        return data

    data = node(root, 0)

    def text() -> list[str]:
        lines: list[str] = []

        def walk(item: dict[str, Any], level: int) -> None:
            mark = "" if item["active"] else " " + obj.t("ui.detsis.inactive_mark")
            lines.append(f"{'  ' * level}{item['detsis']}  {item['name']}{mark}")
            for child in item["children"]:
                walk(child, level + 1)

        walk(data, 0)
        return lines

    obj.emit(data, text)


@detsis.command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--registry", "registry_path", default=None, help=_REGISTRY_HELP)
@click.option("--institution", default=None, help="Only units of this institution.")
@click.option("--active", "active_only", is_flag=True, help="Only active units.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Most results to show."
)
@pass_obj
def search(
    obj: CliContext,
    text: tuple[str, ...],
    registry_path: str | None,
    institution: str | None,
    active_only: bool,
    limit: int,
) -> None:
    """Find units by name (Turkish-aware: "imar", "İMAR" and "Imar" all match "İmar")."""
    wanted = _checked_institution(institution) if institution else None
    registry = _registry(obj, registry_path)
    query = " ".join(text)
    try:
        hits = registry.search(query, institution=wanted, active_only=active_only)
    except detsis_lib.ValidationError as exc:
        raise detsis_support.to_error(exc) from None
    shown = hits[:limit]
    data = {"query": query, "total": len(hits), "results": [u.to_dict() for u in shown]}

    def lines() -> list[str]:
        if not hits:
            return [obj.t("ui.detsis.search.none", query=query)]
        out = [_line(obj, u) for u in shown]
        if len(hits) > limit:
            out.append(obj.t("ui.detsis.search.more", count=len(hits) - limit))
        return out

    obj.emit(data, lines)


@detsis.command("check-mapping")
@click.argument("mapping_path", metavar="MAPPING")
@click.option("--registry", "registry_path", default=None, help=_REGISTRY_HELP)
@click.option(
    "--institution", default=None, help="DETSİS number of the institution; default: detsis.institution."
)
@pass_obj
def check_mapping(
    obj: CliContext, mapping_path: str, registry_path: str | None, institution: str | None
) -> None:
    """Check the institution's unit mapping (CSV or YAML) against the registry; exit 1 on any problem."""
    mapping = detsis_support.load_mapping(mapping_path)
    registry = _registry(obj, registry_path)
    report = detsis_support.check_report(mapping, registry, _institution(obj, institution), obj.lang)
    summary = report["summary"]

    def text() -> list[str]:
        if not report["problems"]:
            return [
                obj.t("ui.detsis.check.ok", entries=summary["entries"], institution=summary["institution"])
            ]
        lines = [f"{p['code']}  {p['message']}" for p in report["problems"]]
        lines.append(obj.t("ui.detsis.check.summary", **summary))
        return lines

    obj.emit(report, text)
    if report["problems"]:
        raise SystemExit(1)


@detsis.command("diff")
@click.argument("old_path", metavar="OLD")
@click.argument("new_path", metavar="NEW")
@click.option("--mapping", "mapping_path", default=None, help="Also say which rows of this mapping break.")
@click.option("--institution", default=None, help="With --mapping: the institution (default: inferred).")
@pass_obj
def diff(
    obj: CliContext, old_path: str, new_path: str, mapping_path: str | None, institution: str | None
) -> None:
    """List what changed between two registry snapshots."""
    old = detsis_support.load_registry(old_path)
    new = detsis_support.load_registry(new_path)
    mapping = detsis_support.load_mapping(mapping_path) if mapping_path else None
    report = detsis_support.diff_report(old, new, mapping, obj.lang, institution)

    def text() -> list[str]:
        changes = report["changes"]
        if not changes:
            lines = [obj.t("ui.detsis.diff.none")]
        else:
            lines = []
            for change in changes:
                old_rec, new_rec = change["old"], change["new"]
                kind = obj.t(f"ui.detsis.kind.{change['kind']}")
                name = (new_rec or old_rec)["name"]
                extra = ""
                if change["kind"] == "renamed":
                    extra = f"  “{old_rec['name']}” → “{new_rec['name']}”"
                elif change["kind"] == "moved":
                    extra = f"  {old_rec['parent'] or '-'} → {new_rec['parent'] or '-'}"
                lines.append(f"{change['detsis']}  {kind}  {name}{extra}")
            lines.append(obj.t("ui.detsis.diff.summary", count=len(changes)))
        if mapping is not None:
            if report["broken_mappings"]:
                lines.append(obj.t("ui.detsis.diff.broken"))
                lines.extend(f"  {b['code']}  {b['message']}" for b in report["broken_mappings"])
            else:
                lines.append(obj.t("ui.detsis.diff.none_broken"))
        return lines

    obj.emit(report, text)


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    for parse in (dt.datetime.fromisoformat, lambda v: dt.datetime.strptime(v, "%d.%m.%Y")):
        try:
            return parse(value)
        except ValueError:
            continue
    raise UsageError("detsis.invalid_since", details={"value": value})


@detsis.command("sync")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Snapshot file to write.")
@click.option(
    "--since", default=None, help="Only units changed since DATE, merged into the snapshot at --out."
)
@click.option(
    "--institution", default=None, help="Institution whose hierarchy to include; default: from config."
)
@pass_obj
def sync(obj: CliContext, out: str, since: str | None, institution: str | None) -> None:
    """Fetch the institution's units from the DETSİS web service into a snapshot (written atomically)."""
    from ebys_support.detsis_client import DETSISClient
    from ebys_support.detsis_client import sync as run_sync

    since_date = _since(since)  # a bad date is a usage error before anything is asked of the service
    cfg = obj.config().detsis
    client = DETSISClient.from_config(cfg)
    top = institution or (str(cfg.institution) if cfg.institution else None)
    result = run_sync(client, out, since=since_date, institution=top)
    mode = (
        obj.t("ui.detsis.sync.incremental", since=result.since)
        if result.since
        else obj.t("ui.detsis.sync.full")
    )
    obj.emit(
        result.to_dict(),
        obj.t("ui.detsis.sync.done", units=result.units, path=result.path, fetched=result.fetched, mode=mode),
    )
