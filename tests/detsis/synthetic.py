"""A small, clearly synthetic DETSİS registry for the tests (every name starts with "Sentetik").

Made up here, not real data: the numbers are picked from ranges no real unit is known to use in these
tests, and no test treats them as real. Layout (institution 40000001 is "our" belediye)::

    40000001 Sentetik Büyükşehir Belediyesi
      40000011 Sentetik İmar ve Şehircilik Dairesi Başkanlığı
        40000111 Sentetik Plan Şube Müdürlüğü
        40000112 Sentetik Harita Şube Müdürlüğü
      40000012 Sentetik Yapı Kontrol Dairesi Başkanlığı
        40000121 Sentetik Ruhsat Şube Müdürlüğü
      40000013 Sentetik Bilgi İşlem Dairesi Başkanlığı      (inactive)
    50000001 Sentetik Komşu Belediyesi                    (another institution)
      50000011 Sentetik Komşu Fen İşleri Müdürlüğü
"""

from __future__ import annotations

from typing import Any

OURS = "40000001"
OTHER = "50000001"


def unit(
    number: int,
    name: str,
    parent: int = 0,
    institution: int | None = None,
    *,
    active: Any = "1",
    level: int = 1,
    hierarchy: str = "",
) -> dict[str, Any]:
    return {
        "DETSISNo": number,
        "Ad": name,
        "ParentIdareKimlikKodu": parent,
        "ParentIdareKimlikKodu2": 0,
        "AnaKurumIdareKimlikKodu": institution if institution is not None else number,
        "Seviye": level,
        "KurumHiyerarsik": hierarchy or name,
        "Aktifmi": active,
        "FaalOlupOlmadigi": True,
        "DisYazismaMuhatabiOlupOlmadigi": level <= 2,
        "Fk_KurumBirimTipID1": 3,
        "Fk_KurumBirimTipID2": 12,
        "KurumBirimTip3ler": [],
        "Fk_BulunduguYerID": 35,
        "YerAdi": "Sentetik Yer",
        "Adres": "",
    }


def records() -> list[dict[str, Any]]:
    a = 40000001
    b = 50000001
    return [
        unit(a, "Sentetik Büyükşehir Belediyesi"),
        unit(40000011, "Sentetik İmar ve Şehircilik Dairesi Başkanlığı", a, a, level=2),
        unit(40000111, "Sentetik Plan Şube Müdürlüğü", 40000011, a, level=3),
        unit(40000112, "Sentetik Harita Şube Müdürlüğü", 40000011, a, level=3),
        unit(40000012, "Sentetik Yapı Kontrol Dairesi Başkanlığı", a, a, level=2),
        unit(40000121, "Sentetik Ruhsat Şube Müdürlüğü", 40000012, a, level=3),
        unit(40000013, "Sentetik Bilgi İşlem Dairesi Başkanlığı", a, a, active="0", level=2),
        unit(b, "Sentetik Komşu Belediyesi"),
        unit(50000011, "Sentetik Komşu Fen İşleri Müdürlüğü", b, b, level=2),
    ]


#: A mapping of "our" internal units that matches :func:`records` exactly.
GOOD_MAPPING = """internal_code,internal_name,detsis,internal_parent
BB,Sentetik Büyükşehir Belediyesi,40000001,
IMAR,Sentetik İmar ve Şehircilik Dairesi Başkanlığı,40000011,BB
PLAN,Sentetik Plan Şube Müdürlüğü,40000111,IMAR
HARITA,Sentetik Harita Şube Müdürlüğü,40000112,IMAR
YAPI,Sentetik Yapı Kontrol Dairesi Başkanlığı,40000012,BB
RUHSAT,Sentetik Ruhsat Şube Müdürlüğü,40000121,YAPI
"""
