"""Batch verification of an archive: file pairing, a process pool, resumable JSON-lines output.

A detached signature ``NAME.p7s`` (or ``NAME.imz``) is checked against ``NAME`` beside it, and so is
``NAME.xades.xml`` when it is a detached XAdES (a reference of its signature points outside the document,
read from the top of the file); a file that is the content of such a signature is not verified on its own.
An enveloped or enveloping ``NAME.xades.xml`` is verified alone, and ``NAME`` beside it as a file of its
own. Every worker process keeps one :class:`~ebys_support.verification.Verifier`, so chains, revocation
answers and time-stamp checks are computed once per process and reused for every file signed by the same
people.

The caller (the CLI) iterates :func:`run_batch` and writes each result; :func:`completed_files` reads
an earlier, interrupted output so those files are skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebys_support.errors import EbysError, InputError, translate

__all__ = [
    "collect",
    "completed_files",
    "run_batch",
    "summarize",
    "BatchResult",
    "DETACHED_SUFFIXES",
    "XADES_SUFFIX",
    "content_beside",
]

#: Suffixes of detached signature files whose content is the file without the suffix.
DETACHED_SUFFIXES = (".p7s", ".imz")
#: Suffix of XAdES files (``ebys-support sign --format xades``); paired only when the signature is detached.
XADES_SUFFIX = ".xades.xml"

_verifier: Any = None
_lang = "en"


def collect(paths: Iterable[str | Path], *, recursive: bool = False) -> list[tuple[Path, Path | None]]:
    """``(signed, content or None)`` pairs for every file under ``paths``, in a stable order.

    :raises InputError: ``input.not_found`` for a path that does not exist.
    """
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError("input.not_found", details={"path": str(p)})
        if p.is_dir():
            it = p.rglob("*") if recursive else p.iterdir()
            files.extend(sorted(f for f in it if f.is_file() and not f.name.startswith(".")))
        else:
            files.append(p)
    names = set(files)
    contents: set[Path] = set()
    pairs: list[tuple[Path, Path | None]] = []
    for f in files:
        original = content_beside(f)
        if original is not None:
            pairs.append((f, original))
            contents.add(original)
            continue
        pairs.append((f, None))
    seen: set[Path] = set()
    out = []
    for signed, content in pairs:
        if signed in contents and content is None and signed in names:
            continue  # the original of a detached signature
        if signed in seen:
            continue
        seen.add(signed)
        out.append((signed, content))
    return out


def content_beside(signed: Path) -> Path | None:
    """The file beside ``signed`` that it signs as a detached signature, or ``None``.

    ``NAME.p7s``/``NAME.imz`` go with ``NAME``; ``NAME.xades.xml`` goes with ``NAME`` only when its
    signature is detached (:func:`~ebys_support.verification.xades.is_detached`), never by name alone.
    """
    name = signed.name
    if name.lower().endswith(XADES_SUFFIX) and len(name) > len(XADES_SUFFIX):
        original = signed.with_name(name[: -len(XADES_SUFFIX)])
        if not original.is_file():
            return None
        from ebys_support.verification.xades import is_detached

        return original if is_detached(signed) else None
    if signed.suffix.lower() in DETACHED_SUFFIXES:
        original = signed.with_suffix("")
        return original if original.is_file() else None
    return None


def completed_files(out: Path) -> set[str]:
    """Files already in an earlier output (one JSON object per line); a torn last line is dropped.

    :raises InputError: ``verify.bad_jsonl`` when a complete line is not one of our results.
    """
    return set(completed_results(out))


def completed_results(out: Path) -> dict[str, tuple[str, str | None]]:
    """``{file: (indication, sub_indication)}`` of an earlier output, so a resumed run's summary and exit
    status cover the whole archive; ``ERROR`` with the error code for unreadable files.

    :raises InputError: ``verify.bad_jsonl`` when a complete line is not one of our results.
    """
    done: dict[str, tuple[str, str | None]] = {}
    if not out.exists():
        return done
    data = out.read_bytes()
    if data and not data.endswith(b"\n"):
        # Interrupted mid-line: cut the torn line off so appending starts clean.
        cut = data.rfind(b"\n") + 1
        with out.open("r+b") as fh:
            fh.truncate(cut)
        data = data[:cut]
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if "error" in obj:
                done[str(obj["file"])] = ("ERROR", str(obj["error"]["code"]))
            else:
                done[str(obj["file"])] = (str(obj["indication"]), _main_sub_indication(obj))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError("verify.bad_jsonl", details={"path": str(out), "line": n}) from exc
    return done


def _warm() -> None:
    """Load what every verification needs once (modules, catalogue, profile data, bundled roots)."""
    from ebys_support import i18n
    from ebys_support.trust import bundled_roots
    from ebys_support.verification import cades, xades  # noqa: F401
    from ebys_support.verification.profiles import policy_data, profiles

    i18n.catalogue()
    bundled_roots()
    policy_data()
    profiles()


def _can_inherit() -> bool:
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _keep_worker(kwargs: dict[str, Any], lang: str) -> None:
    """Worker initialiser under ``fork``: the verifier (and its caches) came with the process."""
    if _verifier is None:
        _init_worker(kwargs, lang)


def _init_worker(kwargs: dict[str, Any], lang: str) -> None:
    global _verifier, _lang
    from ebys_support.verification import Verifier

    _verifier = Verifier(**kwargs)
    _lang = lang


@dataclass(frozen=True)
class BatchResult:
    """One file's outcome: its JSON line (the report, or ``{"file", "error"}``) and what the summary needs.

    ``indication`` is ``ERROR`` for an unreadable file, with the error code as ``sub_indication``.
    Workers send these (a string, not a nested dict), which keeps the parent process light.
    """

    file: str
    line: str
    indication: str
    sub_indication: str | None

    def data(self) -> dict[str, Any]:
        return json.loads(self.line)  # type: ignore[no-any-return]


def _verify_one(signed: str, content: str | None) -> BatchResult:
    try:
        report = _verifier.verify(signed, detached_content=content)
    except Exception as exc:  # noqa: BLE001 - one broken file never stops an archive run
        err = exc if isinstance(exc, EbysError) else translate(exc)
        line = json.dumps({"file": signed, "error": err.to_dict(_lang)}, ensure_ascii=False)
        return BatchResult(signed, line, "ERROR", err.code)
    result = report.to_dict(_lang)
    result["file"] = signed
    return BatchResult(
        signed, json.dumps(result, ensure_ascii=False), result["indication"], _main_sub_indication(result)
    )


def _main_sub_indication(result: dict[str, Any]) -> str | None:
    """The sub-indication of the first signature (countersignatures included) with the file's indication."""
    indication = result["indication"]
    return next(
        (
            s["sub_indication"]
            for s in _walk(result["signatures"])
            if s["indication"] == indication and s["sub_indication"]
        ),
        None,
    )


def _verify_chunk(chunk: list[tuple[str, str | None]]) -> list[BatchResult]:
    return [_verify_one(s, c) for s, c in chunk]


def run_batch(
    pairs: list[tuple[Path, Path | None]],
    *,
    jobs: int | None = None,
    verifier_kwargs: dict[str, Any] | None = None,
    lang: str = "en",
    skip: set[str] | None = None,
    chunk_size: int = 32,
) -> Iterator[BatchResult]:
    """Verify ``pairs`` and yield one :class:`BatchResult` per file as it finishes.

    :param jobs: worker processes (default: every core); 1 runs in this process.
    :param verifier_kwargs: arguments of :class:`~ebys_support.verification.Verifier`.
    :param skip: file names (as given in ``pairs``) already done.
    """
    todo = [(str(s), str(c) if c else None) for s, c in pairs if str(s) not in (skip or set())]
    kwargs = dict(verifier_kwargs or {})
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(todo) <= chunk_size:
        _init_worker(kwargs, lang)
        for s, c in todo:
            yield _verify_one(s, c)
        return
    chunks = [todo[i : i + chunk_size] for i in range(0, len(todo), chunk_size)]
    # Verify the first chunk here, then fork: the workers inherit loaded modules and warm caches
    # (paths to the roots, CRLs parsed and checked, certificate facts) instead of each building them.
    _warm()
    _init_worker(kwargs, lang)
    yield from _verify_chunk(chunks.pop(0))
    if not chunks:
        return
    initializer = _keep_worker if _can_inherit() else _init_worker
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=(kwargs, lang)) as pool:
        pending: set[Future[list[BatchResult]]] = set()
        it = iter(chunks)
        for chunk in it:
            pending.add(pool.submit(_verify_chunk, chunk))
            if len(pending) >= jobs * 3:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield from fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(pool.submit(_verify_chunk, nxt))


def summarize(results: Iterable[BatchResult]) -> dict[str, Any]:
    """Counts by indication and by ``indication/sub_indication``; unreadable files under ``ERROR``."""
    by_indication: dict[str, int] = {}
    by_sub: dict[str, int] = {}
    total = 0
    for r in results:
        total += 1
        by_indication[r.indication] = by_indication.get(r.indication, 0) + 1
        key = f"{r.indication}/{r.sub_indication or '-'}"
        by_sub[key] = by_sub.get(key, 0) + 1
    return {"total": total, "by_indication": by_indication, "by_sub_indication": dict(sorted(by_sub.items()))}


def _walk(signatures: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for s in signatures:
        yield s
        yield from _walk(s.get("counter_signatures", []))
