"""The ``ebys-support`` command line.

Every command parses its arguments, gets secrets (prompt, standard input or environment; never argv),
calls the library, prints (text for people, ``--json`` for scripts) and sets the exit code:
0 success, 1 the thing checked is invalid or failed, 2 usage error, 3 indeterminate (verify),
4 input unreadable or not what it claims to be, 5 internal or environment error.

Global options ``--lang tr|en``, ``--json``, ``--instance DIR`` and ``--debug`` are accepted before or after
the subcommand. Tests call :func:`main` with an argument list.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ebys_support import __version__, i18n
from ebys_support.cli._context import CliContext
from ebys_support.errors import EXIT_INTERNAL, EXIT_USAGE, EbysError, InternalError, translate

__all__ = ["main", "run", "cli", "COMMANDS"]

#: Subcommand name → "module:attribute" of its click command, imported only when used.
COMMANDS: dict[str, str] = {
    "serve": "ebys_support.cli.serve:serve",
    "apikey": "ebys_support.cli.apikey:apikey",
    "config": "ebys_support.cli.configcmd:config",
    "people": "ebys_support.cli.people:people",
    "certs": "ebys_support.cli.certs:certs",
    "requests": "ebys_support.cli.requests:requests",
    "audit": "ebys_support.cli.audit:audit",
    "token": "ebys_support.cli.token:token",
    "sign": "ebys_support.cli.sign:sign",
    "detsis": "ebys_support.cli.detsis:detsis",
    "verify": "ebys_support.cli.verify:verify",
    "eyp": "ebys_support.cli.eyp:eyp",
    "sdp": "ebys_support.cli.sdp:sdp",
    "sayi": "ebys_support.cli.sayi:sayi",
}

_GLOBAL_VALUE_OPTIONS = ("--lang", "--instance")
_GLOBAL_FLAGS = ("--json", "--debug")


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _hoist_global_options(argv: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """Pull the global options out of ``argv`` wherever they stand (up to ``--``)."""
    found: dict[str, Any] = {}
    rest: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name in _GLOBAL_VALUE_OPTIONS:
            if not eq:
                if i + 1 >= len(args):
                    raise click.UsageError(f"Option '{name}' requires an argument.")
                value = args[i + 1]
                i += 1
            found[name[2:]] = value
        elif arg in _GLOBAL_FLAGS:
            found[arg[2:]] = True
        else:
            rest.append(arg)
        i += 1
    return rest, found


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--lang", type=click.Choice(["tr", "en"]), help="Language of messages (default: from the locale)."
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--instance", type=click.Path(file_okay=False, path_type=Path), help="Instance folder.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, "--version", prog_name="ebys-support")
@click.pass_context
def cli(ctx: click.Context, lang: str | None, as_json: bool, instance: Path | None, debug: bool) -> None:
    """ebys-support: EBYS and e-imza support toolkit (SDP, DETSİS, Sayı, e-signatures, tokens, KamuSM)."""
    ctx.obj = CliContext.create(lang=lang, as_json=as_json, instance=instance, debug=debug)


def _report(err: EbysError, obj: CliContext | None, lang: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": err.to_dict(lang)}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{i18n.message('ui.error', lang)}: {err.localized(lang)}", err=True)
        if err.code == "ebys.internal" and not (obj and obj.debug):
            click.echo(i18n.message("ui.hint_debug", lang), err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    raw = list(sys.argv[1:] if argv is None else argv)
    lang = i18n.lang_from_env()
    as_json = False
    debug = False
    try:
        args, hoisted = _hoist_global_options(raw)
    except click.UsageError as exc:
        click.echo(f"{i18n.message('ui.error', lang)}: {exc.format_message()}", err=True)
        return EXIT_USAGE
    if "lang" in hoisted:
        lang = i18n.normalize_lang(str(hoisted["lang"]))
    as_json = bool(hoisted.get("json"))
    debug = bool(hoisted.get("debug"))
    prefix: list[str] = []
    for key, value in hoisted.items():
        prefix.extend([f"--{key}"] if value is True else [f"--{key}", str(value)])
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    obj: CliContext | None = None
    try:
        with cli.make_context("ebys-support", prefix + args) as ctx:
            obj = ctx.obj
            cli.invoke(ctx)
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except click.exceptions.Abort:
        click.echo("", err=True)
        return 130
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except EbysError as exc:
        _report(exc, obj, lang, as_json)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``ebys-support ... | head``): stop quietly, as shell tools do.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception as exc:
        if debug:
            raise
        err = translate(exc)
        if isinstance(err, InternalError):
            logging.getLogger("ebys_support").debug("internal error", exc_info=True)
        _report(err, obj, lang, as_json)
        return err.exit_code if err.exit_code else EXIT_INTERNAL


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
