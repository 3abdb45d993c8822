"""Speed of ``ebys-support token diagnose`` on a healthy card, offline (target: median under 1 s).

Run: ``.venv/bin/python benchmarks/token_doctor.py [--runs 15]``.

1. Builds the test PKI (``tests/pki/kamusm-test.yml``, keys generated in a temporary folder) and a
   private SoftHSM2 token directory with one healthy card: the ``rsa`` NES signer's private key, public
   key and certificate (the shape of a KamuSM card).
2. Baseline: the bare minimum any tool does with python-pkcs11: find the token by label, open a session,
   read every object's class and ``CKA_ID`` (median of ``--runs``).
3. ``diagnose()`` (the library, offline, no PIN; every check of the diagnosis), then with the PIN (login
   and self-test included), then ``token diagnose --offline --json`` through ``main(argv)`` in-process,
   then the same command as a new process (Python start-up and imports included, what a help-desk
   person waits for). Prints each median and its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABEL = "bench-card"
PIN = "246810"


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ebys-bench-token-"))
    from benchmarks._token import provision_token

    module, pki = provision_token(work, LABEL, PIN)
    trust = [str(pki.root_pem), str(pki.ca_pem)]

    import pkcs11

    from ebys_support.cli import main as cli_main
    from ebys_support.tokens import diagnose

    def baseline() -> None:
        token = pkcs11.lib(module).get_token(token_label=LABEL)
        with token.open() as session:
            for obj in session.get_objects():
                obj[pkcs11.Attribute.CLASS], obj[pkcs11.Attribute.ID]

    def library() -> None:
        d = diagnose(module, LABEL, online=False, trust=trust)
        assert d.worst.value == "ok", [c for c in d.checks if c.status.value != "ok"]

    def library_pin() -> None:
        d = diagnose(module, LABEL, PIN, online=False, trust=trust)
        assert d.check("selftest.sign").status.value == "ok"

    argv = ["token", "diagnose", "--module", module, "--token", LABEL, "--offline", "--json"]
    for path in trust:
        argv += ["--trust", path]
    env = {**os.environ, "EBYS_INSTANCE": str(work / "instance"), "PYTHONPATH": str(ROOT)}

    def cli_in_process() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli_main(argv)
        assert code == 0, code

    def cli_process() -> None:
        subprocess.run(
            [sys.executable, "-c", "from ebys_support.cli import run; run()", *argv],
            env=env,
            check=True,
            capture_output=True,
        )

    library()  # warm-up: module loaded, roots parsed
    base = median_seconds(baseline, args.runs)
    results = [
        ("diagnose() offline, no PIN", median_seconds(library, args.runs)),
        ("diagnose() offline, PIN + self-test", median_seconds(library_pin, args.runs)),
        ("token diagnose --offline (main, in-process)", median_seconds(cli_in_process, args.runs)),
        ("token diagnose --offline (new process)", median_seconds(cli_process, max(5, args.runs // 3))),
    ]
    print(f"baseline (python-pkcs11: open token, list objects): median {base * 1000:.1f} ms")
    for name, value in results:
        print(f"{name}: median {value * 1000:.1f} ms ({value / base:.1f}x baseline)")
    worst = results[-1][1]
    print(
        f"target: median under 1 s for the command -> {'met' if worst < 1.0 else 'NOT met'} ({worst:.3f} s)"
    )


if __name__ == "__main__":
    main()
