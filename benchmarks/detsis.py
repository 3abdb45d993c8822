"""DETSİS registry speed and memory: load, lookup, ancestors and diff at the national size.

Generates a synthetic 300,000-unit snapshot (clearly made up: every name starts with "Sentetik") and a
changed copy, then measures, each against a baseline measured in the same run:

* load time and peak memory of :meth:`detsis.Registry.load` (baseline: ``json.load`` of the same file,
  which only parses), each the best of three fresh processes; peak memory is the child's peak RSS;
* ``lookup`` and ``ancestors`` per call (baseline: a plain ``dict`` lookup);
* a full :func:`detsis.diff` of the two snapshots (baseline: comparing the two loaded registries' number
  sets).

Targets (issue 4): load < 3 s and < 400 MB; diff < 3 s; lookup < 5 µs.

Run: ``.venv/bin/python benchmarks/detsis.py [--units N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from detsis import Registry, diff  # noqa: E402

_KINDS = ("Daire Başkanlığı", "Şube Müdürlüğü", "Şefliği", "Bürosu", "Müdürlüğü", "Koordinatörlüğü")
_WORDS = ("Çevre", "İmar", "Şehircilik", "Ulaşım", "Güvenlik", "Sağlık", "Kültür", "Öğrenim", "Bilgi", "Işık")


def generate(units: int, seed: int = 4) -> list[dict[str, Any]]:
    """Synthetic records under the web service's field names: ~300 institutions, up to six levels deep."""
    rng = random.Random(seed)
    numbers = rng.sample(range(10_000_000, 100_000_000), units)
    records: list[dict[str, Any]] = []
    institutions = max(1, units // 1000)
    # (number, institution, level, hierarchy) of units that can take children
    open_units: list[tuple[int, int, int, str]] = []
    for i, number in enumerate(numbers):
        if i < institutions:
            name = f"Sentetik Kurum {i:04d} Belediyesi"
            parent, institution, level, hierarchy = 0, number, 1, name
        else:
            p_number, institution, p_level, p_hier = open_units[rng.randrange(len(open_units))]
            name = f"Sentetik {rng.choice(_WORDS)} {rng.choice(_KINDS)} {i:06d}"
            parent, level, hierarchy = p_number, p_level + 1, f"{p_hier}>{name}"
        if level < 6:
            open_units.append((number, institution, level, hierarchy))
        records.append(
            {
                "DETSISNo": number,
                "Ad": name,
                "ParentIdareKimlikKodu": parent,
                "ParentIdareKimlikKodu2": 0,
                "AnaKurumIdareKimlikKodu": institution,
                "Seviye": level,
                "KurumHiyerarsik": hierarchy,
                "Aktifmi": "1" if rng.random() > 0.05 else "0",
                "FaalOlupOlmadigi": True,
                "DisYazismaMuhatabiOlupOlmadigi": level <= 3,
                "Fk_KurumBirimTipID1": rng.randrange(1, 20),
                "Fk_KurumBirimTipID2": rng.randrange(1, 60),
                "KurumBirimTip3ler": [],
                "Fk_BulunduguYerID": rng.randrange(1, 1000),
                "YerAdi": f"Sentetik Yer {rng.randrange(1, 82):02d}",
                "Adres": "",
            }
        )
    return records


def change(records: list[dict[str, Any]], seed: int = 5) -> list[dict[str, Any]]:
    """A changed copy: 1% renamed, 0.5% moved, 1% (de/re)activated, 0.2% removed leaves, 1% added."""
    rng = random.Random(seed)
    out = [dict(r) for r in records]
    n = len(out)
    with_children = {r["ParentIdareKimlikKodu"] for r in out}
    for r in rng.sample(out, n // 100):
        r["Ad"] = r["Ad"] + " (Yeni)"
    roots = [r["DETSISNo"] for r in out if r["ParentIdareKimlikKodu"] == 0]
    for r in rng.sample(out, n // 200):
        if r["ParentIdareKimlikKodu"] != 0 and r["DETSISNo"] not in with_children:
            r["ParentIdareKimlikKodu"] = rng.choice(roots)
    for r in rng.sample(out, n // 100):
        r["Aktifmi"] = "0" if r["Aktifmi"] == "1" else "1"
    leaves = [r for r in out if r["DETSISNo"] not in with_children]
    removed = {r["DETSISNo"] for r in rng.sample(leaves, n // 500)}
    out = [r for r in out if r["DETSISNo"] not in removed]
    used = {r["DETSISNo"] for r in records}
    for i in range(n // 100):
        number = rng.randrange(10_000_000, 100_000_000)
        while number in used:
            number = rng.randrange(10_000_000, 100_000_000)
        used.add(number)
        parent = rng.choice(roots)
        out.append(
            {
                **out[0],
                "DETSISNo": number,
                "Ad": f"Sentetik Yeni Birim {i:05d}",
                "ParentIdareKimlikKodu": parent,
            }
        )
    return out


def write(records: list[dict[str, Any]], path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"source": "synthetic benchmark", "date": "2026-01-01", "units": [\n')
        fh.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in records))
        fh.write("\n]}\n")


_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
mode, path = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if mode == "json":
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
else:
    from detsis import Registry
    data = Registry.load(path)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "peak_mb": peak / 1024, "base_mb": base / 1024}}))
"""


def measure_load(mode: str, path: str) -> dict[str, float]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=root), mode, path],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300_000)
    parser.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        records = generate(args.units)
        write(records, os.path.join(args.generate, "old.json"))
        write(change(records), os.path.join(args.generate, "new.json"))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        old_path, new_path = os.path.join(tmp, "old.json"), os.path.join(tmp, "new.json")
        print(f"generating {args.units:,} synthetic units and a changed copy ...")
        # In a child process, so that this one stays small and its children's peak RSS is their own.
        subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--units", str(args.units), "--generate", tmp],
            check=True,
        )
        size = os.path.getsize(old_path) / 1e6
        print(f"snapshot: {size:.0f} MB of JSON")

        # Best of three fresh processes each, interleaved (the usual way to time on a shared machine).
        runs = [(measure_load("json", old_path), measure_load("registry", old_path)) for _ in range(3)]
        base = min((b for b, _ in runs), key=lambda r: r["seconds"])
        ours = min((o for _, o in runs), key=lambda r: r["seconds"])
        print(
            f"load: {ours['seconds']:.2f} s (target < 3 s); baseline json.load {base['seconds']:.2f} s; "
            f"ratio {ours['seconds'] / base['seconds']:.2f}"
        )
        print(
            f"peak memory: {ours['peak_mb']:.0f} MB (target < 400 MB; interpreter alone {ours['base_mb']:.0f} MB); "
            f"baseline json.load {base['peak_mb']:.0f} MB; ratio {ours['peak_mb'] / base['peak_mb']:.2f}"
        )

        old = Registry.load(old_path)
        new = Registry.load(new_path)
        numbers = list(old.numbers())
        rng = random.Random(1)
        sample = [rng.choice(numbers) for _ in range(100_000)]
        plain = {n: None for n in numbers}

        def per_call(fn: Any) -> float:
            runs = timeit.repeat(lambda: [fn(n) for n in sample], number=1, repeat=5)
            return min(runs) / len(sample) * 1e6

        t_dict = per_call(plain.__getitem__)
        t_lookup = per_call(old.lookup)
        texts = [str(n) for n in sample]
        runs = timeit.repeat(lambda: [old.lookup(t) for t in texts], number=1, repeat=5)
        t_lookup_text = min(runs) / len(texts) * 1e6
        t_anc = per_call(old.ancestors)
        print(
            f"lookup: {t_lookup:.2f} µs/call (target < 5 µs); baseline dict {t_dict:.2f} µs; ratio {t_lookup / t_dict:.1f}"
        )
        print(f"lookup by 8-digit string (validated first): {t_lookup_text:.2f} µs/call (target < 5 µs)")
        print(f"ancestors: {t_anc:.2f} µs/call; ratio to dict {t_anc / t_dict:.1f}")

        t = time.perf_counter()
        hits = old.search("şehircilik")
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        hits = old.search("şehircilik")
        t_again = time.perf_counter() - t
        t = time.perf_counter()
        several = old.search("kurum 0042 çevre")
        t_words = time.perf_counter() - t
        print(
            f"search: one word, first call {t_first:.2f} s (builds the index lazily), then {t_again:.2f} s "
            f"for {len(hits):,} hits; three words {t_words * 1000:.0f} ms for {len(several):,} hits"
        )

        t = time.perf_counter()
        baseline = set(old.numbers()) ^ set(new.numbers())
        t_base = time.perf_counter() - t
        t = time.perf_counter()
        changes = diff(old, new)
        t_diff = time.perf_counter() - t
        kinds: dict[str, int] = {}
        for c in changes:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        print(
            f"diff: {t_diff:.2f} s (target < 3 s) for {len(changes):,} changes {kinds}; "
            f"baseline number-set difference {t_base:.3f} s ({len(baseline):,}); ratio {t_diff / t_base:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
