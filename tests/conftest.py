"""Shared fixtures: a synthetic Binance archive served over loopback HTTP, fast HTTP settings,
and the location of the real data held offline (``../shared/data``).

Fixtures
--------
``synthetic_archive``  a :class:`archive_server.SyntheticArchive` in ``tmp_path``: BTCUSDT,
                       2025-11-03..05, klines and markPriceKlines 1m + 5m, metrics, monthly
                       fundingRate, aggTrades.
``archive_server``     an :class:`archive_server.ArchiveServer` serving it on 127.0.0.1
                       (``.url``, ``.requests`` Counter by path, ``.faults`` path -> Fault).
``fast_http``          small timeouts / retries / no backoff via ``LIQLIB_HTTP_*`` env vars.
``archive_env``        ``fast_http`` plus ``LIQLIB_BINANCE_ARCHIVE_URL`` and
                       ``LIQLIB_BINANCE_REST_URL`` pointing at ``archive_server``: liqlib
                       code under test talks only to the loopback server.
``shared_data``        ``<repo>/../shared/data``, or the test is skipped with the reason.

Helpers for other tests (``from archive_server import ...``): ``build_synthetic_archive``,
``serve_archive``, ``Fault``, ``write_archive_zip``, ``archive_path``.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from archive_server import ArchiveServer, SyntheticArchive, build_synthetic_archive

REPO = Path(__file__).resolve().parents[1]
#: helpers whose docstrings are usage sketches (they need a tmp_path, a server), not doctests
collect_ignore = ["archive_server.py", "ws_server.py"]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def _pristine_archive(tmp_path_factory: pytest.TempPathFactory) -> SyntheticArchive:
    return build_synthetic_archive(tmp_path_factory.mktemp("pristine") / "archive")


@pytest.fixture
def synthetic_archive(_pristine_archive: SyntheticArchive, tmp_path: Path) -> SyntheticArchive:
    """A small synthetic archive tree (3 days of BTCUSDT, every kind) in ``tmp_path``.

    Built once per session and copied for each test, so a test may damage its files freely.
    ``frames`` is shared between tests: treat it as read-only.
    """
    root = tmp_path / "archive"
    shutil.copytree(_pristine_archive.root, root)
    return dataclasses.replace(_pristine_archive, root=root)


@pytest.fixture
def archive_server(synthetic_archive: SyntheticArchive):
    """Serve ``synthetic_archive`` on a free loopback port for one test."""
    with ArchiveServer(synthetic_archive.root) as server:
        yield server


@pytest.fixture
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP settings that make failure tests fast: 1 s timeout, 2 retries, no backoff."""
    monkeypatch.setenv("LIQLIB_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "2")
    monkeypatch.setenv("LIQLIB_HTTP_BACKOFF", "0")


@pytest.fixture
def archive_env(monkeypatch: pytest.MonkeyPatch, archive_server: ArchiveServer, fast_http):
    """Point liqlib's archive and REST base URLs at ``archive_server``; yields the server."""
    monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", archive_server.url)
    monkeypatch.setenv("LIQLIB_BINANCE_REST_URL", archive_server.url)
    return archive_server


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real market data held offline next to the repository, or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real data not found at {SHARED_DATA} (held offline next to the repo; absent on "
            "user machines)"
        )
    return SHARED_DATA
