"""The instance folder: configuration, the SQLite database, caches. Created on first start."""

from __future__ import annotations

import os
from pathlib import Path

from ebys_support.config import CONFIG_FILE

__all__ = ["ensure_instance", "DEFAULT_CONFIG"]

DEFAULT_CONFIG = """\
# ebys-support instance configuration.
# Every key can also be set as an environment variable EBYS_<SECTION>_<KEY>, e.g. EBYS_DATABASE_URL.
# Secrets (password, pin) may be given as <key>_file = "/path/to/file" instead of the value itself.
# `ebys-support config show` prints the configuration in force, with secrets masked.

[service]
host = "127.0.0.1"
port = 8080
# workers = 8
# max_request_bytes = 20971520

[database]
# Empty: SQLite in this folder. PostgreSQL: "postgresql://ebys@localhost/ebys" (and password_file).
url = ""

# [detsis]
# registry = "detsis-snapshot.json"
# mapping = "birimler.csv"
# institution = 0
# institution_id = ""
# password_file = "detsis-password.txt"

# [sdp]
# catalogue = "sdp-catalogue.json"

# [signing]
# tsa_url = ""

# [smtp]
# host = ""
"""


def ensure_instance(folder: Path) -> bool:
    """Create ``folder`` (mode 0700) with a commented ``ebys.toml`` if missing; True when created now."""
    created = False
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        created = True
    config = folder / CONFIG_FILE
    if not config.exists():
        tmp = config.with_suffix(".toml.tmp")
        tmp.write_text(DEFAULT_CONFIG, encoding="utf-8")
        os.replace(tmp, config)
        created = True
    return created
