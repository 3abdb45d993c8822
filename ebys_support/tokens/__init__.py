"""PKCS#11 tokens: module discovery, an inventory that never logs in, and the PIN-safe token doctor.

- :func:`discover_modules` — the PKCS#11 modules known on this OS (paths as data) and whether they load;
- :func:`inventory` — modules → slots → tokens → certificates and keys, without a login;
- :func:`diagnose` — the ordered checks of :data:`CHECK_IDS`, each ok/warn/fail/skipped with a remedy;
- :func:`open_token` / :func:`login` — shared with the signers: find a token by label or serial, and
  log in once, never at the final try or on a locked PIN;
- :mod:`ebys_support.tokens.errors` — python-pkcs11 exceptions mapped by class, in one table.
"""

from __future__ import annotations

from ebys_support.tokens.diagnose import CHECK_IDS, Check, Diagnosis, Status, diagnose
from ebys_support.tokens.errors import PKCS11_ERRORS, TokenError, from_pkcs11
from ebys_support.tokens.inventory import Inventory, inventory
from ebys_support.tokens.modules import ModuleInfo, discover_modules
from ebys_support.tokens.session import PinState, fresh_flags, load_module, login, open_token, pin_state

__all__ = [
    "CHECK_IDS",
    "Check",
    "Diagnosis",
    "Status",
    "diagnose",
    "Inventory",
    "inventory",
    "ModuleInfo",
    "discover_modules",
    "PKCS11_ERRORS",
    "TokenError",
    "from_pkcs11",
    "PinState",
    "fresh_flags",
    "load_module",
    "login",
    "open_token",
    "pin_state",
]
