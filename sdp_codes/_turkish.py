"""Turkish case mapping, search folding and alphabetical order.

The rules, exactly:

* **Case**: ``I`` ↔ ``ı`` and ``İ`` ↔ ``i``; every other letter follows Unicode. ``lower("KARARLARI")`` is
  ``"kararları"`` and ``upper("meclis")`` is ``"MECLİS"``.
* **Search key**: Turkish lower case, then the letters with diacritics are folded to their base letter
  (ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u, and the circumflexed â→a, î→i, û→u), any other combining mark is dropped,
  and runs of white space become one space. A query matches a text when the query's key is a substring of
  the text's key, so ``MECLİS KARARLARI``, ``meclis kararları`` and ``meclis kararlari`` all find
  ``Meclis Kararları``.
* **Sort key**: the Turkish alphabet ``a b c ç d e f g ğ h ı i j k l m n o ö p r s ş t u ü v y z``, compared
  letter by letter after Turkish lower-casing (â, î, û sort with a, i, u); digits sort before letters,
  other characters after, and a text that is a prefix of another sorts first. Ties are broken by the
  original text so that the order is total and stable.

>>> lower("İZMİR IĞDIR")
'izmir ığdır'
>>> upper("izmir ığdır")
'İZMİR IĞDIR'
>>> search_key("  MECLİS   KARARLARI ")
'meclis kararlari'
>>> sorted(["çanta", "cam", "dağ", "ılık", "inek", "şeker", "su", "ürün", "uzun"], key=sort_key)
['cam', 'çanta', 'dağ', 'ılık', 'inek', 'su', 'şeker', 'uzun', 'ürün']

This module has identical private copies in ``sdp_codes/_turkish.py`` and ``detsis/_turkish.py`` (those
packages import nothing of ours); a test keeps the three copies identical.
"""

from __future__ import annotations

import unicodedata

__all__ = ["lower", "upper", "casefold", "search_key", "sort_key", "ALPHABET"]

ALPHABET = "abcçdefgğhıijklmnoöprsştuüvyz"

_LOWER_SPECIAL = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_SPECIAL = str.maketrans({"i": "İ", "ı": "I"})
_FOLD = str.maketrans(
    {"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)
_SORT_EQUIV = str.maketrans({"â": "a", "î": "i", "û": "u"})
_RANK = {ch: i for i, ch in enumerate(ALPHABET)}
# Other letters (q, w, x, accented foreign letters) sort after z, digits before a.
_LETTER_BASE = 100
_OTHER_BASE = 1000


def lower(text: str) -> str:
    """Lower-case ``text`` by Turkish rules (``I`` → ``ı``, ``İ`` → ``i``)."""
    return text.translate(_LOWER_SPECIAL).lower()


def upper(text: str) -> str:
    """Upper-case ``text`` by Turkish rules (``i`` → ``İ``, ``ı`` → ``I``)."""
    return text.translate(_UPPER_SPECIAL).upper()


def casefold(text: str) -> str:
    """Turkish lower case with white space folded: for comparing names "beyond case and spacing"."""
    return " ".join(lower(text).split())


def search_key(text: str) -> str:
    """The key used for forgiving, case-insensitive Turkish matching (see the module docstring)."""
    folded = lower(text).translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def _char_rank(ch: str) -> int:
    if ch in _RANK:
        return _LETTER_BASE + _RANK[ch]
    if ch.isdigit():
        return ord(ch) - ord("0")
    if ch.isspace():
        return 50
    if ch.isalpha():
        return _LETTER_BASE + len(ALPHABET) + ord(ch)
    return _OTHER_BASE + ord(ch)


def sort_key(text: str) -> tuple[tuple[int, ...], str]:
    """A key for :func:`sorted` that orders by the Turkish alphabet (see the module docstring)."""
    normal = unicodedata.normalize("NFC", lower(text)).translate(_SORT_EQUIV)
    return tuple(_char_rank(ch) for ch in normal), text
