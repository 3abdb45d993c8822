"""Result objects for checking many SDP codes or document numbers at once (CLI ``--json`` and HTTP).

Each input gives one JSON object ``{"input", "valid", "normalized", "error": null | {"code", "message",
"details"}, "warnings": [{"code", "message"}], ...fields}``; an invalid input never stops the batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sdp_codes
from ebys_support import document_number, i18n
from ebys_support.errors import translate

__all__ = ["entry_dict", "catalogue_dict", "sdp_result", "sayi_result", "SAYI_FIELDS"]

SAYI_FIELDS = (
    "era",
    "electronic",
    "detsis",
    "sdp",
    "special",
    "record",
    "unit_record",
    "general_record",
    "communication_code",
    "sdp_title",
    "unit_name",
)


def entry_dict(entry: sdp_codes.SdpEntry, catalogue: sdp_codes.Catalogue | None = None) -> dict[str, Any]:
    """An entry as JSON; with ``catalogue``, also its child codes and the titles above it."""
    data = entry.to_dict()
    if catalogue is not None:
        data["children"] = [c.code for c in catalogue.children(entry.code)]
        data["path"] = [{"code": a.code, "title": a.title} for a in catalogue.ancestors(entry.code)]
    return data


def catalogue_dict(catalogue: sdp_codes.Catalogue) -> dict[str, Any]:
    """Which catalogue answered: name, title, source, revision, licence, covered main subjects."""
    from sdp_codes.catalogue import format_ranges

    return {
        "name": catalogue.name,
        "title": catalogue.title,
        "source": catalogue.source,
        "revision": catalogue.revision,
        "licence": catalogue.licence,
        "covers": format_ranges(catalogue.coverage),
        "entries": len(catalogue),
    }


def _warning(code: str, lang: str, params: Mapping[str, Any]) -> dict[str, str]:
    return {"code": code, "message": i18n.message(code, lang, **params)}


def _error(exc: BaseException, lang: str) -> dict[str, Any]:
    err = translate(exc)
    return {"code": err.code, "message": err.localized(lang), "details": err.to_dict(lang)["details"]}


def _input_text(value: object) -> str:
    return value if isinstance(value, str) else repr(value)


def sdp_result(
    code: object, catalogue: sdp_codes.Catalogue, *, for_sayi: bool = False, lang: str = "en"
) -> dict[str, Any]:
    """Check one SDP code; see the module docstring. Fields: ``code``, ``special``, ``category``, ``entry``."""
    result: dict[str, Any] = {
        "input": _input_text(code),
        "valid": False,
        "normalized": None,
        "error": None,
        "warnings": [],
        "code": None,
        "special": None,
        "category": None,
        "entry": None,
    }
    try:
        checked = sdp_codes.check(code, catalogue, for_sayi=for_sayi)  # type: ignore[arg-type]
    except sdp_codes.ValidationError as exc:
        result["error"] = _error(exc, lang)
        return result
    result.update(
        valid=True,
        normalized=sdp_codes.format(checked.code),
        warnings=[_warning(w, lang, {"code": checked.numeric}) for w in checked.warnings],
        code=checked.numeric,
        special=checked.special,
        category=checked.category,
        entry=checked.entry.to_dict() if checked.entry is not None else None,
    )
    return result


def sayi_result(
    text: object,
    *,
    check: bool = True,
    sdp_catalogue: sdp_codes.Catalogue | None = None,
    detsis_registry: document_number.DETSISRegistry | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Parse (``check=False``) or validate one document number; fields as :data:`SAYI_FIELDS`."""
    result: dict[str, Any] = {
        "input": _input_text(text),
        "valid": False,
        "normalized": None,
        "error": None,
        "warnings": [],
        **dict.fromkeys(SAYI_FIELDS),
    }
    try:
        if check:
            number = document_number.validate(
                text,  # type: ignore[arg-type]
                sdp_catalogue=sdp_catalogue,
                detsis_registry=detsis_registry,
            )
        else:
            number = document_number.parse(text)  # type: ignore[arg-type]
    except document_number.SayiError as exc:
        result["error"] = _error(exc, lang)
        return result
    params = {"code": number.sdp, "detsis": number.detsis}
    result.update(
        valid=True,
        normalized=number.normalized,
        warnings=[_warning(w, lang, params) for w in number.warnings],
        **number.to_dict(),
    )
    return result
