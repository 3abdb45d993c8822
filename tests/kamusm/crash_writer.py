"""A writer for the crash test: moves requests forever and says when it is inside a transaction.

Run as ``python -m tests.kamusm.crash_writer URL ID...``. Before committing each transition (its audit
record written, the transaction still open) it prints ``IN`` and pauses briefly, so the test can kill it
with SIGKILL exactly there.
"""

from __future__ import annotations

import sys
import time

from ebys_support import storage
from ebys_support.kamusm import store

NEXT = {"draft": "submitted", "submitted": "draft"}


def main() -> None:
    url, ids = sys.argv[1], [int(x) for x in sys.argv[2:]]
    engine = storage.make_engine(url)
    factory = storage.session_factory(engine)
    settings = store.Settings()
    i = 0
    while True:
        rid = ids[i % len(ids)]
        with storage.session_scope(factory) as s:
            req = store.get_request(s, rid)
            store.transition(
                s, settings, rid, NEXT[req.status], actor="cli:crash", expected_version=req.version
            )
            store.add_note(s, rid, f"note {i}", actor="cli:crash")
            if i % 7 == 3:
                sys.stdout.write("IN\n")
                sys.stdout.flush()
                time.sleep(0.05)
        i += 1


if __name__ == "__main__":
    main()
