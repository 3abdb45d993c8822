"""Every error code raised anywhere has a Turkish and an English message."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from ebys_support import i18n

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_RAISING = re.compile(r"(Error|Failed|Found|Conflict|Forbidden|Unavailable|Denied|Invalid|Refused)$")


def _callee(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def collect_codes() -> dict[str, str]:
    """Code → first place it appears, from class attributes and error constructors."""
    found: dict[str, str] = {}
    for package in ("ebys_support", "service", "sdp_codes", "detsis"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                values: list[ast.expr] = []
                if isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        target = None
                        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                            target, value = stmt.targets[0], stmt.value
                        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                            target, value = stmt.target, stmt.value
                        if isinstance(target, ast.Name) and target.id == "code":
                            values.append(value)
                elif isinstance(node, ast.Call) and _RAISING.search(_callee(node)):
                    if node.args:
                        values.append(node.args[0])
                    values.extend(kw.value for kw in node.keywords if kw.arg == "code")
                for value in values:
                    if (
                        isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and CODE.match(value.value)
                    ):
                        found.setdefault(
                            value.value, f"{path.relative_to(ROOT)}:{getattr(value, 'lineno', 0)}"
                        )
    return found


def test_every_raised_code_has_both_languages() -> None:
    catalogue = i18n.catalogue()
    missing = []
    for code, where in sorted(collect_codes().items()):
        texts = catalogue.get(code)
        if texts is None or not texts.get("en") or not texts.get("tr"):
            missing.append(f"{code} ({where})")
    assert not missing, "codes without a Turkish and an English message:\n" + "\n".join(missing)


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_placeholders_match_between_languages() -> None:
    bad = [
        key
        for key, texts in i18n.catalogue().items()
        if _names(texts.get("en", "")) != _names(texts.get("tr", ""))
    ]
    assert not bad, f"placeholders differ between en and tr: {bad}"


def test_every_entry_has_both_languages() -> None:
    bad = [key for key, texts in i18n.catalogue().items() if not texts.get("en") or not texts.get("tr")]
    assert not bad


def test_language_selection() -> None:
    assert i18n.lang_from_env({"LANG": "tr_TR.UTF-8"}) == "tr"
    assert i18n.lang_from_env({"LANG": "en_US.UTF-8"}) == "en"
    assert i18n.lang_from_env({"LANG": "tr_TR.UTF-8", "EBYS_LANG": "en"}) == "en"
    assert i18n.lang_from_env({"LC_ALL": "tr_TR.UTF-8", "LANG": "en_US"}) == "tr"
    assert i18n.lang_from_env({}) == "en"
    assert i18n.normalize_lang("en;q=0.4, tr;q=0.9") == "tr"
    assert i18n.normalize_lang("de-DE") == "en"
    assert i18n.normalize_lang("tr;q=abc") == "en"


def test_message_never_fails() -> None:
    assert i18n.message("no.such.key", "tr") == "no.such.key"
    assert "{reason}" in i18n.message("ebys.usage", "en")
    assert i18n.message("ebys.usage", "xx", reason="r").endswith("r")


def test_turkish_texts_use_turkish_letters() -> None:
    tr_texts = " ".join(texts["tr"] for texts in i18n.catalogue().values())
    assert any(ch in tr_texts for ch in "çğıİöşü")
