"""The ebys-support HTTP service (Flask).

``create_app(test_config=None)`` builds the application: configuration (defaults, then
``<instance>/ebys.toml``, then ``EBYS_*`` environment variables, then ``test_config``), the database
(migrated on start), the JSON error handlers and one blueprint per resource (:data:`BLUEPRINTS`). Every
route except ``/health`` needs ``Authorization: Bearer <key>``; ``/v1/openapi.json`` describes them all.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from ebys_support import config as config_mod
from ebys_support import storage

__all__ = ["create_app", "BLUEPRINTS"]

#: Resource modules, each with ``bp`` (a Blueprint) and ``OPENAPI`` (its paths and schemas).
BLUEPRINTS: list[str] = [
    "service.health",
    "service.openapi",
    "service.people",
    "service.certificates",
    "service.requests",
    "service.audit",
    "service.tokens",
    "service.signing",
    "service.detsis",
    "service.eyp",
    "service.verification",
    "service.sdp",
    "service.document_numbers",
]


def create_app(test_config: Mapping[str, Any] | None = None, *, instance: str | Path | None = None) -> Flask:
    """Create the Flask application.

    :param test_config: ``{section: {key: value}}`` overrides (tests); may also hold ``"instance"`` and
        ``"migrate"`` (default True).
    :param instance: the instance folder (default ``EBYS_INSTANCE`` or ``./instance``).
    """
    overrides = dict(test_config or {})
    instance = overrides.pop("instance", instance)
    run_migrations = bool(overrides.pop("migrate", True))
    folder = Path(instance).resolve() if instance is not None else config_mod.default_instance()
    cfg = config_mod.load(folder, overrides=overrides)

    app = Flask(__name__, instance_path=str(cfg.instance), instance_relative_config=True)
    app.config["MAX_CONTENT_LENGTH"] = cfg.service.max_request_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("service").setLevel(cfg.service.log_level.upper())

    if not cfg.database.url:
        cfg.instance.mkdir(parents=True, exist_ok=True)
    engine = storage.make_engine(cfg.database_url, echo=cfg.database.echo)
    if run_migrations:
        storage.migrate(engine)

    from service import errors
    from service.state import AppState

    app.extensions["ebys"] = AppState(config=cfg, engine=engine)
    errors.register(app)
    for module_name in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
    return app
