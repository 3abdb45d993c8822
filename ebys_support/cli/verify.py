"""``ebys-support verify``: check signed files (CAdES, PAdES, XAdES), one or a whole archive."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.errors import EXIT_INPUT, ConfigurationError, InputError, UsageError
from ebys_support.verification.batch import BatchResult, content_beside
from ebys_support.verification.revocation import bad_fetch_hosts

__all__ = ["verify"]


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError("verify.bad_time", details={"time": value}) from exc
    if at.tzinfo is None:
        raise UsageError("verify.naive_time", details={"time": value})
    return at


def _verifier_kwargs(
    obj: CliContext,
    trust: tuple[Path, ...],
    revocation_data: tuple[Path, ...],
    offline: bool,
    show_national_id: bool,
) -> dict[str, Any]:
    cfg = obj.config().verification
    mode = "offline" if offline else cfg.revocation
    config = obj.config()
    bad = bad_fetch_hosts(cfg.fetch_hosts)
    if bad:
        raise ConfigurationError(
            "config.invalid_value",
            details={"key": "verification.fetch_hosts", "reason": ", ".join(bad)},
        )
    cache_dir = (
        str(config.resolve(cfg.cache_dir)) if cfg.cache_dir else str(obj.instance / "cache" / "revocation")
    )
    return {
        "trust": [*(str(config.resolve(t)) for t in cfg.trust), *(str(t) for t in trust)],
        # The user runs the CLI on their own machine: any host unless the configuration limits it.
        "fetch_hosts": cfg.fetch_hosts or None,
        "revocation": mode,
        "revocation_data": [str(r) for r in revocation_data],
        "cache_dir": cache_dir if mode == "online" else None,
        "timeout": cfg.timeout,
        "show_national_id": show_national_id,
    }


def _verdict(obj: CliContext, indication: str) -> str:
    return obj.t(f"ui.verify.indication.{indication}")


def report_lines(obj: CliContext, data: dict[str, Any]) -> list[str]:
    """The short, clerk-readable text of a report dictionary."""
    lines = [
        obj.t(
            "ui.verify.file",
            file=data.get("file") or "-",
            format=data["format"],
            verdict=_verdict(obj, data["indication"]),
        )
    ]

    def sig_lines(n: int, sig: dict[str, Any], counter: bool) -> None:
        signer = (sig.get("signer") or {}).get("name") or obj.t("ui.verify.unknown_signer")
        sub = f" ({sig['sub_indication']})" if sig.get("sub_indication") else ""
        prof = ""
        if sig.get("profile") or sig.get("level"):
            prof = " (" + ", ".join(x for x in (sig.get("profile"), sig.get("level")) if x) + ")"
        key = "ui.verify.counter_signature" if counter else "ui.verify.signature"
        lines.append(
            obj.t(key, n=n, verdict=_verdict(obj, sig["indication"]), sub=sub, signer=signer, profile=prof)
        )
        st = sig.get("signing_time")
        if st:
            lines.append(
                obj.t(
                    "ui.verify.signing_time",
                    time=st["value"],
                    source=obj.t(f"ui.verify.source.{st['source']}"),
                )
            )
        for check in sig["checks"]:
            if check["status"] in ("failed", "indeterminate", "warning"):
                lines.append(obj.t("ui.verify.reason", message=check["message"]))
        for cs in sig.get("counter_signatures", []):
            sig_lines(n, cs, True)

    for i, sig in enumerate(data["signatures"], 1):
        sig_lines(i, sig, False)
    return lines


@click.command("verify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--content",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The signed original of a detached signature.",
)
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra trust anchor: a certificate file (PEM/DER) or a directory of them (repeatable).",
)
@click.option(
    "--revocation-data",
    multiple=True,
    type=click.Path(path_type=Path),
    help="CRL or OCSP-response file (DER/PEM) or a directory of them (repeatable).",
)
@click.option("--offline", is_flag=True, help="Never touch the network: use only embedded and given data.")
@click.option("--at", "at_text", metavar="ISO-TIME", help="Validation time, e.g. 2025-01-31T12:00:00+03:00.")
@click.option("--show-national-id", is_flag=True, help="Show the signer's T.C. Kimlik No unmasked.")
@click.option("--recursive", "-r", is_flag=True, help="Batch: walk directories recursively.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Batch: worker processes (default: all cores)."
)
@click.option(
    "--jsonl",
    "jsonl",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Batch: append one JSON line per file to this file; files already in it are skipped.",
)
@pass_obj
def verify(
    obj: CliContext,
    paths: tuple[Path, ...],
    content: Path | None,
    trust: tuple[Path, ...],
    revocation_data: tuple[Path, ...],
    offline: bool,
    at_text: str | None,
    show_national_id: bool,
    recursive: bool,
    jobs: int | None,
    jsonl: Path | None,
) -> None:
    """Verify signed files: PATH is a signature (.p7s/.imz/.pdf/.xml...) or, for a batch, files and folders.

    Exit status: 0 every signature is valid, 1 any is invalid, 3 undetermined (none invalid), 4 not a signed
    file or unreadable.
    """
    at = _parse_at(at_text)
    kwargs = _verifier_kwargs(obj, trust, revocation_data, offline, show_national_id)
    batch = len(paths) > 1 or recursive or jsonl is not None or any(p.is_dir() for p in paths)
    if not batch:
        from ebys_support.verification import Verifier

        paired = content_beside(paths[0]) if content is None else None
        report = Verifier(**kwargs).verify(paths[0], content=content, detached_content=paired, at=at)
        data = report.to_dict(obj.lang)
        data["file"] = str(paths[0])
        obj.emit(data, lambda: report_lines(obj, data))
        raise SystemExit(report.exit_code)
    if content is not None:
        raise UsageError("ebys.usage", details={"reason": "--content applies to a single signed file"})
    if at is not None:
        raise UsageError("ebys.usage", details={"reason": "--at applies to a single signed file"})
    _run_batch(obj, paths, recursive=recursive, jobs=jobs, jsonl=jsonl, kwargs=kwargs)


def _file_line(obj: CliContext, result: BatchResult) -> str:
    data = result.data()
    if "error" in data:
        return f"{result.file}: {data['error']['message']}"
    sub = result.sub_indication
    verdict = _verdict(obj, result.indication) + (f" ({sub})" if sub else "")
    return obj.t("ui.verify.file", file=result.file, format=data["format"], verdict=verdict)


def _run_batch(
    obj: CliContext,
    paths: tuple[Path, ...],
    *,
    recursive: bool,
    jobs: int | None,
    jsonl: Path | None,
    kwargs: dict[str, Any],
) -> None:
    from ebys_support.verification.batch import collect, completed_results, run_batch

    pairs = collect(paths, recursive=recursive)
    if not pairs:
        raise InputError("verify.no_files", details={"path": ", ".join(str(p) for p in paths)})
    done = completed_results(jsonl) if jsonl is not None else {}
    todo = sum(1 for s, _ in pairs if str(s) not in done)
    counts = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 0, "INDETERMINATE": 0, "ERROR": 0}
    by_sub: dict[str, int] = {}
    # Files done by an earlier, interrupted run count in the summary and the exit status: the result is
    # the archive's, not only this run's.
    skipped = 0
    for signed, _ in pairs:
        earlier = done.get(str(signed))
        if earlier is not None:
            skipped += 1
            counts[earlier[0]] = counts.get(earlier[0], 0) + 1
            key = f"{earlier[0]}/{earlier[1] or '-'}"
            by_sub[key] = by_sub.get(key, 0) + 1
    out = jsonl.open("a", encoding="utf-8") if jsonl is not None else None
    try:
        results = run_batch(pairs, jobs=jobs, verifier_kwargs=kwargs, lang=obj.lang, skip=set(done))
        for result in obj.progress(results, total=todo, desc="verify"):
            if out is not None:
                out.write(result.line + "\n")
                out.flush()
            elif obj.json:
                click.echo(result.line)
            else:
                click.echo(_file_line(obj, result))
            counts[result.indication] = counts.get(result.indication, 0) + 1
            key = f"{result.indication}/{result.sub_indication or '-'}"
            by_sub[key] = by_sub.get(key, 0) + 1
    finally:
        if out is not None:
            out.close()
    total = sum(counts.values())
    summary_data: dict[str, Any] = {
        "total": total,
        "skipped": skipped,
        "by_indication": counts,
        "by_sub_indication": dict(sorted(by_sub.items())),
    }
    if obj.json:
        click.echo(json.dumps({"summary": summary_data}, ensure_ascii=False))
    else:
        click.echo(
            obj.t(
                "ui.verify.summary",
                total=total,
                passed=counts["TOTAL_PASSED"],
                failed=counts["TOTAL_FAILED"],
                indeterminate=counts["INDETERMINATE"],
                errors=counts["ERROR"],
                skipped=skipped,
            )
        )
        for key, n in summary_data["by_sub_indication"].items():
            ind, _, sub = key.partition("/")
            click.echo(obj.t("ui.verify.summary_line", indication=ind, sub_indication=sub, count=n))
    if counts["TOTAL_FAILED"]:
        raise SystemExit(1)
    if counts["ERROR"]:
        raise SystemExit(EXIT_INPUT)
    if counts["INDETERMINATE"]:
        raise SystemExit(3)
    raise SystemExit(0)
