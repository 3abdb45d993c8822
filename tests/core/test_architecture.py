"""Dependencies point one way: service → ebys_support → sdp_codes, detsis."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = r"""
import importlib, pathlib, sys
names = []
for package in ("sdp_codes", "detsis", "ebys_support"):
    for path in sorted(pathlib.Path(package).rglob("*.py")):
        parts = list(path.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        # walk the files, not pkgutil.walk_packages: that imports every package, the CLI included
        if name.startswith("ebys_support.cli") or ".migrations" in name:
            continue
        names.append(name)
for name in names:
    importlib.import_module(name)
bad = sorted(m for m in ("flask", "click", "tqdm", "service", "werkzeug") if m in sys.modules)
print(",".join(bad))
"""


def test_library_imports_neither_flask_nor_the_cli_framework() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"library modules pulled in: {out.stdout.strip()}"


def _imported_roots(package: str, *, exclude: str | None = None) -> set[str]:
    roots: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        if exclude and exclude in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
    return roots


def test_pure_packages_import_nothing_of_ours() -> None:
    ours = {"ebys_support", "service", "sdp_codes", "detsis", "tests"}
    for package in ("sdp_codes", "detsis"):
        assert not (_imported_roots(package) & (ours - {package})), package


def test_library_never_imports_service() -> None:
    # The CLI is the top layer beside the service (``serve`` starts it); the library below never imports it.
    assert not ({"service", "flask", "click", "tqdm"} & _imported_roots("ebys_support", exclude="cli"))


def test_turkish_rules_have_identical_copies() -> None:
    original = (ROOT / "ebys_support/i18n/turkish.py").read_text(encoding="utf-8")
    for copy in ("sdp_codes/_turkish.py", "detsis/_turkish.py"):
        assert (ROOT / copy).read_text(encoding="utf-8") == original, copy
