"""DETSİS: unit numbers, the registry of units, the institution's unit mapping and snapshot diffs.

A pure package (it imports nothing of ebys-support): the rules are in ``DOMAIN.md`` §2 and in the modules.

* :mod:`detsis.ids` -- ``compact``, ``validate``, ``is_valid``, ``format`` (python-stdnum shape), re-exported
  here.
* :mod:`detsis.registry` -- :class:`Registry` of :class:`DETSISUnit` records loaded from snapshots.
* :mod:`detsis.diff` -- :func:`diff` of two snapshots.
* :mod:`detsis.mapping` -- the institution's own unit list, :func:`check_mapping`, :func:`broken_mappings`.

>>> import detsis
>>> detsis.is_valid("91587970")  # İzmir BB, İmar ve Şehircilik Dairesi Başkanlığı
True
"""

from __future__ import annotations

from ._errors import (
    DanglingParent,
    DuplicateUnit,
    InactiveUnit,
    InvalidFormat,
    InvalidLength,
    InvalidMapping,
    InvalidSnapshot,
    NotInInstitution,
    ParentCycle,
    UnknownUnit,
    ValidationError,
)
from .diff import KINDS, Change, diff
from .ids import compact, format, is_valid, validate
from .mapping import (
    PROBLEM_CODES,
    BrokenMapping,
    MappingEntry,
    Problem,
    UnitMapping,
    broken_mappings,
    check_mapping,
    infer_institution,
    load_mapping,
    summarize,
)
from .registry import FIELDS, DETSISUnit, Registry, dump_snapshot, load, parse_flag, unit_from_record

__all__ = [
    "compact",
    "validate",
    "is_valid",
    "format",
    "DETSISUnit",
    "Registry",
    "load",
    "dump_snapshot",
    "parse_flag",
    "unit_from_record",
    "FIELDS",
    "Change",
    "diff",
    "KINDS",
    "MappingEntry",
    "UnitMapping",
    "Problem",
    "BrokenMapping",
    "load_mapping",
    "check_mapping",
    "broken_mappings",
    "infer_institution",
    "summarize",
    "PROBLEM_CODES",
    "ValidationError",
    "InvalidFormat",
    "InvalidLength",
    "UnknownUnit",
    "InactiveUnit",
    "NotInInstitution",
    "InvalidSnapshot",
    "DuplicateUnit",
    "ParentCycle",
    "DanglingParent",
    "InvalidMapping",
]
