"""Fixtures of the DETSİS tests: the synthetic registry as files and objects, and the loopback SOAP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import detsis
from tests.detsis import synthetic
from tests.detsis.soap_server import LoopbackDETSIS


@pytest.fixture(scope="session")
def registry() -> detsis.Registry:
    return detsis.Registry.from_records(synthetic.records(), {"source": "synthetic"})


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps({"source": "synthetic", "units": synthetic.records()}, ensure_ascii=False), "utf-8"
    )
    return path


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.csv"
    path.write_text(synthetic.GOOD_MAPPING, "utf-8")
    return path


@pytest.fixture(scope="session")
def soap_server() -> Iterator[LoopbackDETSIS]:
    server = LoopbackDETSIS(synthetic.records(), institution_id=synthetic.OURS, password="dogru-parola-42")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def soap(soap_server: LoopbackDETSIS) -> Iterator[LoopbackDETSIS]:
    """The session's server, reset to its normal behaviour before each test."""
    soap_server.reset()
    yield soap_server
    soap_server.reset()
