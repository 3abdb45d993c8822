"""``ebys-support token``: list modules and cards, show certificates, and the help-desk token doctor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from pkcs11 import TokenFlag

from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.cli._secrets import read_pin
from ebys_support.errors import EXIT_INVALID
from ebys_support.tokens import Diagnosis, Status, diagnose, inventory
from ebys_support.tokens.errors import TokenNotFound

__all__ = ["token", "render_diagnosis"]


@click.group()
def token() -> None:
    """PKCS#11 modules, e-signature cards and the token doctor."""


def _modules(obj: CliContext, module: tuple[str, ...]) -> list[str] | None:
    """Modules to examine: the given ones only, else ``None`` (known paths) plus configured ones."""
    if module:
        return list(module)
    configured = list(obj.config().tokens.modules)
    if configured:
        from ebys_support.tokens.modules import discover_modules

        return configured + [m.path for m in discover_modules(probe=False)]
    return None


@token.command("list")
@click.option("--module", "module", multiple=True, metavar="PATH", help="Only this PKCS#11 module.")
@pass_obj
def list_tokens(obj: CliContext, module: tuple[str, ...]) -> None:
    """Modules, readers and cards found on this computer (never asks for a PIN)."""
    inv = inventory(_modules(obj, module))

    def lines() -> Iterator[str]:
        if not inv.modules:
            yield obj.t("ui.token.list.none")
            return
        for m in inv.modules:
            info = m.module
            if info.loads:
                state = obj.t("ui.token.list.loads")
            else:
                state = obj.t(info.error or "token.module_load_failed", module=info.path, reason=info.reason)
            yield obj.t("ui.token.list.module", path=info.path, state=state)
            if m.error:
                yield "  " + obj.t(m.error)
            if info.loads and not m.slots and not m.error:
                yield obj.t("ui.token.list.no_slots")
            for slot in m.slots:
                if slot.token is not None and not slot.token.flags & TokenFlag.TOKEN_INITIALIZED:
                    state = obj.t("ui.token.list.blank")
                elif slot.token is not None:
                    t = slot.token
                    state = obj.t(
                        "ui.token.list.token",
                        label=t.label,
                        manufacturer=t.manufacturer,
                        model=t.model,
                        serial=t.serial,
                        certs=len(t.certificates),
                        keys=len(t.keys),
                    )
                elif slot.error:
                    state = obj.t(slot.error)
                else:
                    state = obj.t("ui.token.list.empty")
                yield obj.t("ui.token.list.slot", description=slot.description, state=state)

    obj.emit(inv.as_dict(), lines)


def _distinct(tokens: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
    """Each card once: a card seen through two modules (AKİS and OpenSC) is listed with the first."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m, s, t in tokens:
        if (t.label, t.serial) not in seen:
            seen.add((t.label, t.serial))
            out.append((m, s, t))
    return out


@token.command("certs")
@click.option("--token", "label", metavar="LABEL", help="Only the card with this label.")
@click.option("--module", "module", multiple=True, metavar="PATH", help="Only this PKCS#11 module.")
@pass_obj
def certs(obj: CliContext, label: str | None, module: tuple[str, ...]) -> None:
    """Certificates on the cards, with the key each one pairs with (never asks for a PIN)."""
    inv = inventory(_modules(obj, module))
    cards = _distinct(inv.tokens())
    found = [(m, s, t) for m, s, t in cards if label is None or t.label == label]
    if label is not None and not found:
        available = ", ".join(t.label for _, _, t in cards if t.label) or "-"
        raise TokenNotFound(details={"label": label, "available": available})
    data = [
        {
            "module": m.module.path,
            "token": t.label,
            "serial": t.serial,
            "certificates": [c.as_dict() for c in t.certificates],
        }
        for m, _s, t in found
    ]

    def lines() -> Iterator[str]:
        count = 0
        for _m, _s, t in found:
            for c in t.certificates:
                count += 1
                info = c.info
                yield obj.t(
                    "ui.token.certs.line",
                    label=t.label,
                    subject=info.common_name or info.subject,
                    tckn=info.tckn or "-",
                    issuer=info.issuer_name,
                    serial=info.serial,
                    not_before=info.not_before.date().isoformat(),
                    not_after=info.not_after.date().isoformat(),
                    usage=", ".join(obj.t(f"ui.token.usage.{u}") for u in info.key_usage) or "-",
                    qualified=obj.t(
                        "ui.token.certs.qualified" if info.qualified else "ui.token.certs.not_qualified"
                    ),
                    paired=", ".join(obj.t(f"ui.token.certs.key.{k}") for k in c.paired_keys)
                    or obj.t("ui.token.certs.no_key"),
                )
        if not count:
            yield obj.t("ui.token.certs.none")

    obj.emit({"tokens": data}, lines)


_MARK = {Status.FAIL: "✗", Status.WARN: "!", Status.OK: "✓", Status.SKIPPED: "-"}


def render_diagnosis(diagnosis: Diagnosis, lang: str) -> list[str]:
    """The human checklist: a summary line, then every check worst first, each problem with its remedy."""
    from ebys_support import i18n

    fails = sum(c.status is Status.FAIL for c in diagnosis.checks)
    warns = sum(c.status is Status.WARN for c in diagnosis.checks)
    out = [i18n.message(f"ui.token.summary.{diagnosis.worst.value}", lang, fails=fails, warns=warns), ""]
    width = max(len(i18n.message(f"ui.token.status.{s.value}", lang)) for s in Status)
    for check in diagnosis.worst_first():
        label = i18n.message(f"ui.token.status.{check.status.value}", lang).ljust(width)
        out.append(f"{_MARK[check.status]} {label}  {check.title(lang)}: {check.message(lang)}")
        remedy = check.remedy(lang)
        if remedy:
            out.append(f"  {' ' * width}  → {i18n.message('ui.token.remedy_label', lang)}: {remedy}")
    return out


@token.command("diagnose")
@click.option("--module", metavar="PATH", help="Examine only this PKCS#11 module.")
@click.option("--token", "label", metavar="LABEL", help="Examine the card with this label.")
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Extra trust anchors (PEM/DER file or directory), next to the bundled KamuSM roots.",
)
@click.option("--pin-stdin", is_flag=True, help="Read the PIN as one line from standard input.")
@click.option(
    "--ask-pin", is_flag=True, help="Ask for the PIN (not echoed) to include login and a test signature."
)
@click.option("--offline", is_flag=True, help="Do not contact OCSP/CRL/time servers.")
@pass_obj
def diagnose_cmd(
    obj: CliContext,
    module: str | None,
    label: str | None,
    trust: tuple[Path, ...],
    pin_stdin: bool,
    ask_pin: bool,
    offline: bool,
) -> None:
    """Check the e-signature card step by step and say what to do (the PIN is asked only on request).

    Exit status: 0 nothing failed, 1 a check failed, 5 the diagnosis itself could not run.
    """
    if pin_stdin and ask_pin:
        raise click.UsageError("--pin-stdin and --ask-pin cannot be used together.")
    cfg = obj.config()
    # The PIN is used only when the user asked for it on this run (never from the environment):
    # a diagnosis must not spend a try nobody offered.
    pin: Callable[[], str | None] | None = None
    if pin_stdin or ask_pin:

        def pin() -> str | None:
            # Called by the doctor only when the card's flags allow a login. read_pin reads
            # --pin-stdin without echo when it is a terminal; EBYS_PIN is never consulted here.
            return read_pin(obj, pin_stdin=pin_stdin, ask=ask_pin)

    trust_paths: list[Any] = [str(p) for p in trust] + [str(cfg.resolve(p)) for p in cfg.tokens.trust]
    result = diagnose(
        module,
        label,
        pin,
        online=not offline,
        trust=trust_paths,
        extra_modules=[str(cfg.resolve(p)) for p in cfg.tokens.modules],
        timeout=cfg.tokens.timeout,
        clock_skew_warning=cfg.tokens.clock_skew_warning,
        expiry_warning_days=cfg.tokens.expiry_warning_days,
        time_url=cfg.tokens.time_url or cfg.signing.tsa_url or None,
    )
    obj.emit(result.as_dict(obj.lang), lambda: render_diagnosis(result, obj.lang))
    if result.failed:
        raise SystemExit(EXIT_INVALID)
