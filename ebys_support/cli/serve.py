"""``ebys-support serve``: the HTTP service with a production WSGI server (waitress)."""

from __future__ import annotations

import socket

import click

from ebys_support import __version__
from ebys_support.cli._context import CliContext, pass_obj
from ebys_support.errors import ServiceUnavailable


@click.command()
@click.option("--host", default=None, help="Address to listen on (default from config: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="TCP port (default 8080).")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Worker threads.")
@pass_obj
def serve(obj: CliContext, host: str | None, port: int | None, workers: int | None) -> None:
    """Start the HTTP service (creates the instance folder and database on first start)."""
    import waitress

    from ebys_support import apikeys
    from ebys_support.instance import ensure_instance
    from service import create_app

    ensure_instance(obj.instance)
    cfg = obj.config()
    with obj.session() as session:
        first_key = apikeys.ensure_admin(session)
    if first_key:
        click.echo(obj.t("ui.apikey.first_start"))
        click.echo(first_key)
    app = create_app(instance=obj.instance)
    host = host or cfg.service.host
    port = port or cfg.service.port
    engine = obj.engine()
    try:
        _check_can_listen(host, port)
        server = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=workers or cfg.service.workers,
            # Bodies up to the limit stay in memory (uploads are never spooled to disk); a declared size
            # over the limit is answered by the application's JSON 413 before the body is read.
            max_request_body_size=cfg.service.max_request_bytes + 1024 * 1024,
            inbuf_overflow=cfg.service.max_request_bytes + 1024 * 1024,
            ident="ebys-support",
        )
    except OSError as exc:  # the port is taken, the address is not ours, no permission for a port < 1024
        raise ServiceUnavailable(
            "serve.cannot_listen", details={"host": host, "port": port, "reason": exc.strerror or str(exc)}
        ) from exc
    click.echo(
        obj.t(
            "ui.serve.listening",
            version=__version__,
            host=host,
            port=port,
            database=engine.url.render_as_string(),
        )
    )
    server.run()


def _check_can_listen(host: str, port: int) -> None:
    """Bind (and free) every address waitress will listen on, so a taken port fails before it starts.

    waitress leaves its sockets open when it cannot bind; this check keeps that path clean.

    :raises OSError: the address cannot be bound (in use, not ours, no permission, unknown host).
    """
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
