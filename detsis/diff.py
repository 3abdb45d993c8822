"""What changed between two registry snapshots.

Six kinds of change, each carrying the unit's record before and after (``None`` where it did not exist):

========================  =============================================================
``added``                 a number that the old snapshot did not have
``removed``               a number that the new snapshot no longer has
``renamed``               ``Ad`` changed
``moved``                 ``ParentIdareKimlikKodu`` changed
``deactivated``           ``Aktifmi`` went from yes to no
``reactivated``           ``Aktifmi`` went from no to yes
========================  =============================================================

One unit may have several changes at once (renamed and moved); they are listed in the order above.
Changes come sorted by DETSİS number.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from .registry import DETSISUnit, Registry

__all__ = ["Change", "diff", "KINDS", "ADDED", "REMOVED", "RENAMED", "MOVED", "DEACTIVATED", "REACTIVATED"]

ADDED: Final = "added"
REMOVED: Final = "removed"
RENAMED: Final = "renamed"
MOVED: Final = "moved"
DEACTIVATED: Final = "deactivated"
REACTIVATED: Final = "reactivated"
#: Every change kind, in reporting order.
KINDS: Final = (ADDED, REMOVED, RENAMED, MOVED, DEACTIVATED, REACTIVATED)


class Change(NamedTuple):
    """One change of one unit."""

    #: One of :data:`KINDS`.
    kind: str
    #: The unit's DETSİS number (8 digits).
    detsis: str
    #: The record in the old snapshot (``None`` for ``added``).
    old: DETSISUnit | None
    #: The record in the new snapshot (``None`` for ``removed``).
    new: DETSISUnit | None

    def to_dict(self) -> dict[str, Any]:
        """``{"kind", "detsis", "old", "new"}`` with the records as :meth:`DETSISUnit.to_dict`."""
        return {
            "kind": self.kind,
            "detsis": self.detsis,
            "old": None if self.old is None else self.old.to_dict(),
            "new": None if self.new is None else self.new.to_dict(),
        }


def diff(old: Registry, new: Registry) -> list[Change]:
    """The changes from ``old`` to ``new``, sorted by DETSİS number then kind.

    >>> a = Registry.from_records([{"DETSISNo": 23444165, "Ad": "Yapı Kontrol Dairesi Başkanlığı",
    ...                             "ParentIdareKimlikKodu": 0, "Aktifmi": "1"}])
    >>> b = Registry.from_records([{"DETSISNo": 23444165, "Ad": "Yapı Kontrol Dairesi Başkanlığı",
    ...                             "ParentIdareKimlikKodu": 0, "Aktifmi": "0"}])
    >>> [(c.kind, c.detsis) for c in diff(a, b)]
    [('deactivated', '23444165')]
    """
    changes: list[Change] = []
    append = changes.append
    new_get = new.get
    for o in old:
        n = new_get(o.detsis)
        if n is None:
            append(Change(REMOVED, str(o.detsis), o, None))
            continue
        if n is o or n == o:
            continue
        number = str(o.detsis)
        if n.name != o.name:
            append(Change(RENAMED, number, o, n))
        if n.parent != o.parent:
            append(Change(MOVED, number, o, n))
        if n.active != o.active:
            append(Change(DEACTIVATED if o.active else REACTIVATED, number, o, n))
    if len(new) != len(old) - sum(1 for c in changes if c.kind == REMOVED):
        old_get = old.get
        changes.extend(Change(ADDED, str(n.detsis), None, n) for n in new if old_get(n.detsis) is None)
    order = {kind: i for i, kind in enumerate(KINDS)}
    changes.sort(key=lambda c: (c.detsis, order[c.kind]))
    return changes
