"""E-mail notifications over SMTP (configuration section ``smtp``).

Messages are plain text in the recipient's language (Turkish by default for staff), built from the
catalogue. One SMTP connection is used per batch; a refused recipient is reported and the rest still
go out.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ebys_support import i18n
from ebys_support.config import SmtpConfig
from ebys_support.errors import ConfigurationError, ServiceUnavailable

__all__ = ["Mail", "SendResult", "send", "expiry_mail", "expiry_mails"]


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendResult:
    sent: int
    refused: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "refused": list(self.refused)}


def send(cfg: SmtpConfig, mails: Iterable[Mail]) -> SendResult:
    """Send ``mails`` through the configured server.

    :raises ConfigurationError: ``kamusm.smtp_not_configured`` (no ``smtp.host`` or ``smtp.sender``).
    :raises ServiceUnavailable: ``kamusm.smtp_failed`` when the server cannot be reached or refuses us.
    """
    if not cfg.host or not cfg.sender:
        raise ConfigurationError("kamusm.smtp_not_configured", details={"key": "smtp.host"})
    batch = [m for m in mails if m.to]
    if not batch:
        return SendResult(0)
    sent = 0
    refused: list[str] = []
    try:
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            for mail in batch:
                msg = EmailMessage()
                msg["From"] = cfg.sender
                msg["To"] = ", ".join(mail.to)
                if mail.cc:
                    msg["Cc"] = ", ".join(mail.cc)
                msg["Subject"] = mail.subject
                msg["Date"] = formatdate(localtime=False, usegmt=True)
                msg["Message-ID"] = make_msgid(domain=cfg.sender.rpartition("@")[2] or None)
                msg.set_content(mail.body)
                try:
                    bad = smtp.send_message(msg, to_addrs=[*mail.to, *mail.cc])
                except smtplib.SMTPRecipientsRefused as exc:
                    refused.extend(exc.recipients)
                    continue
                refused.extend(bad)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise ServiceUnavailable(
            "kamusm.smtp_failed", details={"host": cfg.host, "port": cfg.port, "reason": type(exc).__name__}
        ) from exc
    return SendResult(sent, tuple(refused))


def expiry_mail(
    *,
    lang: str,
    name: str,
    email: str | None,
    cc: Sequence[str],
    not_after: str,
    days_left: int,
    serial: str,
    request_id: int | None,
) -> Mail:
    """The notice sent to a certificate holder (and the IT directorate) before expiry."""
    params = {
        "name": name,
        "not_after": not_after,
        "days": days_left,
        "serial": serial,
        "request": request_id if request_id is not None else "-",
    }
    return Mail(
        to=(email,) if email else tuple(cc),
        cc=tuple(cc) if email else (),
        subject=i18n.message("ui.kamusm.mail.expiry.subject", lang, **params),
        body=i18n.message("ui.kamusm.mail.expiry.body", lang, **params),
    )


def expiry_mails(items: Iterable[Mapping[str, Any]], *, lang: str, cc: Sequence[str]) -> list[Mail]:
    """One notice per item of :func:`ebys_support.kamusm.store.expiring`."""
    mails = []
    for c in items:
        person = c.get("person") or {}
        mails.append(
            expiry_mail(
                lang=lang,
                name=str(person.get("name") or c.get("subject") or ""),
                email=person.get("email"),
                cc=cc,
                not_after=str(c.get("not_after") or "")[:10],
                days_left=int(c.get("days_left") or 0),
                serial=str(c.get("serial")),
                request_id=c.get("open_renewal_id"),
            )
        )
    return mails
