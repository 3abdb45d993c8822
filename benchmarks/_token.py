"""A SoftHSM2 token holding the test PKI's RSA signer, for the benchmarks that need a card."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def provision_token(work: Path, label: str, pin: str) -> tuple[str, Any]:
    """Create SoftHSM2 in ``work`` with token ``label`` holding signer ``rsa`` (CKA_ID 01).

    Sets ``SOFTHSM2_CONF`` for this process (before any ``pkcs11.lib()``). Returns the module path and
    the test PKI (its files stay; its OCSP/CRL/TSA services are stopped).
    """
    from tests.fixtures.pki import serve_pki
    from tests.fixtures.softhsm import SoftHSM, find_softhsm_module, write_softhsm_conf

    conf = write_softhsm_conf(work / "softhsm")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    module = find_softhsm_module()
    if module is None:
        raise SystemExit("SoftHSM2 is not installed (apt-get install softhsm2)")
    with serve_pki(work / "pki", work / "keys") as pki:
        hsm = SoftHSM(module, conf)
        hsm.create_token(label, user_pin=pin)
        hsm.import_signer(label, pki.signer("rsa"), key_id=b"\x01", user_pin=pin)
    return str(module), pki
