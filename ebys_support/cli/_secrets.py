"""Getting secrets for the command line: a prompt without echo, one line of standard input, or the
environment. Never an option value (it would sit in the shell history and the process list)."""

from __future__ import annotations

import getpass
import os
import sys

from ebys_support.cli._context import CliContext
from ebys_support.errors import UsageError

__all__ = ["read_pin"]


def read_pin(
    obj: CliContext,
    *,
    pin_stdin: bool = False,
    ask: bool = False,
    env: str = "EBYS_PIN",
    required: bool = False,
    what_key: str = "ui.pin",
) -> str | None:
    """The PIN the user gave, or ``None`` when none was given and none is required.

    Order: ``--pin-stdin`` (one line of standard input), ``--ask-pin``/a required PIN (a prompt without
    echo, on a terminal), then the ``env`` variable. The value is never logged or echoed.

    :raises UsageError: ``secret.not_available`` / ``secret.no_terminal``.
    """
    what = obj.t(what_key)
    if pin_stdin:
        if sys.stdin.isatty():
            # Typed at a terminal: read the line without echo, like a prompt.
            return _prompt(obj, what, env)
        line = sys.stdin.readline()
        value = line.rstrip("\r\n")
        if not value:
            raise UsageError("secret.not_available", details={"what": what, "env": env})
        return value
    if ask:
        return _prompt(obj, what, env)
    value = os.environ.get(env)
    if value:
        return value
    if required:
        if sys.stdin.isatty():
            return _prompt(obj, what, env)
        raise UsageError("secret.not_available", details={"what": what, "env": env})
    return None


def _prompt(obj: CliContext, what: str, env: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError("secret.no_terminal", details={"what": what, "env": env})
    value = getpass.getpass(obj.t("ui.secret_prompt", what=what) + ": ")
    if not value:
        raise UsageError("secret.not_available", details={"what": what, "env": env})
    return value
