"""Retention: the year a record's retention ends and what its Saklama Kodu implies then.

What each Saklama Kodu (``A3``, ``C``, ``D``...) means, and whether a period counts from the record's year or
from the next one, are not confirmed by an official source; both are data (``sdp_codes/data/retention.json``,
written by ``scripts/update_sdp.py``), and :meth:`RetentionRules.from_json` reads a replacement.

>>> rules = default_rules()
>>> rules.end_year(2014, 10)  # retention runs from 1 January 2015 to 31 December 2024
2024
>>> rules.is_due(2014, 10, as_of_year=2025)
True
>>> rules.disposition("D").key
'destroy'
>>> rules.disposition("Z9").key
'unknown'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ._errors import InvalidCatalogue

__all__ = ["Disposition", "RetentionRules", "default_rules"]


@dataclass(frozen=True, slots=True)
class Disposition:
    """What happens to a record at the end of its retention period."""

    #: Stable key used in reports (``"destroy"``, ``"committee_review"``, ``"unknown"``...).
    key: str
    #: English description.
    en: str
    #: Turkish description.
    tr: str

    def label(self, lang: str) -> str:
        return self.tr if lang == "tr" else self.en


@dataclass(frozen=True, slots=True)
class RetentionRules:
    """Retention codes and how periods are counted."""

    #: Saklama Kodu → disposition.
    codes: Mapping[str, Disposition]
    #: Disposition for a code missing from :attr:`codes`.
    unknown: Disposition
    #: ``"next_year"`` (period starts on 1 January after the record's date) or ``"record_year"``.
    period_starts: str = "next_year"
    #: Whether an official source confirms the meanings.
    confirmed: bool = False

    def disposition(self, retention_code: str | None) -> Disposition:
        """The disposition for ``retention_code`` (``unknown`` for ``None`` or a code without data)."""
        if retention_code is None:
            return self.unknown
        return self.codes.get(retention_code, self.unknown)

    def end_year(self, record_year: int, years: int) -> int:
        """The last year of the retention period of a record dated in ``record_year``."""
        return record_year + years if self.period_starts == "next_year" else record_year + years - 1

    def is_due(self, record_year: int, years: int, *, as_of_year: int) -> bool:
        """Whether the period has ended before ``as_of_year`` began."""
        return self.end_year(record_year, years) < as_of_year

    @classmethod
    def from_json(cls, data: object) -> RetentionRules:
        """Read rules in the form of ``sdp_codes/data/retention.json``.

        :raises InvalidCatalogue: the data is not in that form.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("codes"), Mapping):
            raise InvalidCatalogue("retention rules need a 'codes' table", {"reason": "retention_rules"})
        period = data.get("period_starts", "next_year")
        if period not in ("next_year", "record_year"):
            raise InvalidCatalogue(
                "period_starts must be next_year or record_year", {"reason": "retention_rules"}
            )
        codes = {str(k): _disposition(v) for k, v in data["codes"].items()}
        unknown = _disposition(
            data.get("unknown", {"disposition": "unknown", "en": "unknown", "tr": "bilinmiyor"})
        )
        return cls(codes, unknown, period, data.get("confirmed") is True)


def _disposition(value: Any) -> Disposition:
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(k), str) and value.get(k) for k in ("disposition", "en", "tr")
    ):
        raise InvalidCatalogue(
            "a disposition needs 'disposition', 'en' and 'tr'", {"reason": "retention_rules"}
        )
    return Disposition(value["disposition"], value["en"], value["tr"])


@cache
def default_rules() -> RetentionRules:
    """The shipped rules (loaded once)."""
    text = resources.files("sdp_codes").joinpath("data", "retention.json").read_text(encoding="utf-8")
    return RetentionRules.from_json(json.loads(text))
