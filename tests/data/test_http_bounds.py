"""Downloads always end: the deadline, the Retry-After cap, the size limit and honest counts,
over real HTTP against the loopback archive server (new fault kinds included)."""

from __future__ import annotations

import hashlib
import time

import pytest
from archive_server import Fault

from liqlib.data.http import HttpConfig, download, make_session
from liqlib.data.sources.binance import archive as B
from liqlib.errors import DownloadError, InputError

DAY = "2025-11-04"


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, f"error message spans lines: {text!r}"
    return text


@pytest.fixture
def zip_url(archive_env, synthetic_archive):
    path = synthetic_archive.path("markPriceKlines", DAY, "5m")
    source = (synthetic_archive.root / path.lstrip("/")).read_bytes()
    return archive_env, path, source


def test_a_dripping_server_is_stopped_by_the_deadline(zip_url, monkeypatch):
    server, path, _ = zip_url
    monkeypatch.setenv("LIQLIB_HTTP_DEADLINE", "1.5")
    server.faults[path] = Fault("drip", times=None, delay=0.2)  # each read arrives in time
    started = time.monotonic()
    with pytest.raises(DownloadError) as exc:
        download(server.url + path)
    assert time.monotonic() - started < 4.0
    msg = one_line(exc)
    assert "1.5 s deadline" in msg and "LIQLIB_HTTP_DEADLINE" in msg
    assert server.requests[path] == 1  # no retry after the deadline


def test_a_dripping_server_once_then_fine_is_survived_within_the_deadline(zip_url, monkeypatch):
    server, path, source = zip_url
    monkeypatch.setenv("LIQLIB_HTTP_TIMEOUT", "0.3")
    server.faults[path] = Fault("drip", times=1, delay=0.5)  # slower than the read timeout
    assert download(server.url + path) == source
    assert server.requests[path] == 2


def test_retry_after_of_an_hour_is_capped(zip_url, monkeypatch):
    server, path, source = zip_url
    monkeypatch.setenv("LIQLIB_HTTP_MAX_RETRY_AFTER", "0.5")
    server.faults[path] = Fault("429", times=1, retry_after=3600)
    started = time.monotonic()
    assert download(server.url + path) == source
    assert 0.4 <= time.monotonic() - started < 3.0
    assert server.requests[path] == 2


def test_retry_after_beyond_the_deadline_ends_at_once(zip_url, monkeypatch):
    server, path, _ = zip_url
    monkeypatch.setenv("LIQLIB_HTTP_DEADLINE", "2")
    server.faults[path] = Fault("429", times=None, retry_after=3600)  # capped at 60 s > 2 s
    started = time.monotonic()
    with pytest.raises(DownloadError) as exc:
        download(server.url + path)
    assert time.monotonic() - started < 1.0
    msg = one_line(exc)
    assert "2 s deadline" in msg and "HTTP 429" in msg and "1 try" in msg
    assert server.requests[path] == 1


@pytest.mark.parametrize("header", ["soon", "-5", "Tue, 99 Foo 2025 25:61:00 GMT", ""])
def test_an_invalid_retry_after_means_a_normal_backoff(zip_url, header):
    server, path, source = zip_url
    server.faults[path] = Fault("429", times=2, retry_after=header)
    assert download(server.url + path) == source
    assert server.requests[path] == 3


@pytest.mark.parametrize(
    "fault, words",
    [
        (Fault("500", times=None), "HTTP 500"),
        (Fault("429", times=None, retry_after="soon"), "HTTP 429"),
        (Fault("empty", times=None), "connection error"),
        (Fault("reset", times=None, partial=0), "connection reset"),
        (Fault("truncate", times=None), "body cut short"),
        (Fault("chunked_cut", times=None), "cut short"),
        (Fault("bad_encoding", times=None), "undecodable body"),
    ],
    ids=lambda v: v.kind if isinstance(v, Fault) else "",
)
def test_retry_counts_in_messages_are_the_requests_the_server_saw(zip_url, fault, words):
    server, path, _ = zip_url
    server.faults[path] = fault
    with pytest.raises(DownloadError) as exc:
        download(server.url + path)
    msg = one_line(exc)
    seen = server.requests[path]
    assert seen == 3, seen  # LIQLIB_HTTP_RETRIES=2
    assert f"{seen} tries" in msg and words in msg, msg


def test_connection_refused_counts_its_tries(monkeypatch, fast_http):
    with pytest.raises(DownloadError) as exc:
        download("http://127.0.0.1:9/nothing.zip")
    msg = one_line(exc)
    assert "connection error" in msg and "3 tries" in msg


@pytest.mark.parametrize(
    "fault",
    [
        Fault("empty", times=1),
        Fault("chunked_cut", times=1),
        Fault("bad_encoding", times=1),
        Fault("redirect", times=1),
        Fault("overlong", times=1),
        Fault("503", times=2),
    ],
    ids=lambda f: f.kind,
)
def test_transient_faults_are_survived_and_the_bytes_are_the_source(zip_url, fault):
    server, path, source = zip_url
    server.faults[path] = fault
    session = make_session()
    body = download(server.url + path, session)
    assert hashlib.sha256(body).digest() == hashlib.sha256(source).digest()
    # the connection the fault used does not poison the next request on the same session
    assert download(server.url + path, session) == source


def test_a_redirect_loop_is_a_clear_error(zip_url):
    server, path, _ = zip_url
    server.faults[path] = Fault("redirect", times=None)
    with pytest.raises(DownloadError, match="too many redirects") as exc:
        download(server.url + path)
    one_line(exc)


def test_a_body_above_the_size_limit_is_refused_before_it_is_read(zip_url, monkeypatch):
    server, path, _ = zip_url
    server.faults[path] = Fault("huge_length", times=None)
    with pytest.raises(DownloadError) as exc:
        download(server.url + path)
    msg = one_line(exc)
    assert "10,000,000,000,000 bytes" in msg and "LIQLIB_MAX_DOWNLOAD_MB" in msg
    monkeypatch.setenv("LIQLIB_MAX_DOWNLOAD_MB", "0.001")  # 1,000 bytes: the zip is larger
    server.faults.clear()
    with pytest.raises(DownloadError, match="above the 0.001 MB limit"):
        download(server.url + path)


def test_the_deadline_bounds_a_whole_archive_file(archive_env, synthetic_archive, monkeypatch):
    monkeypatch.setenv("LIQLIB_HTTP_DEADLINE", "1")
    path = synthetic_archive.path("metrics", DAY)
    archive_env.faults[path] = Fault("drip", times=None, delay=0.1)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="deadline"):
        B.fetch_archive_file("metrics", "BTCUSDT", DAY)
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("LIQLIB_HTTP_TIMEOUT", "inf", "finite number > 0"),
        ("LIQLIB_HTTP_TIMEOUT", "0", "finite number > 0"),
        ("LIQLIB_HTTP_DEADLINE", "-1", "LIQLIB_HTTP_DEADLINE"),
        ("LIQLIB_HTTP_DEADLINE", "soon", "is not a number"),
        ("LIQLIB_HTTP_MAX_RETRY_AFTER", "nan", "LIQLIB_HTTP_MAX_RETRY_AFTER"),
        ("LIQLIB_MAX_DOWNLOAD_MB", "0", "LIQLIB_MAX_DOWNLOAD_MB"),
        ("LIQLIB_HTTP_RETRIES", "2.5", "is not an integer"),
        ("LIQLIB_HTTP_BACKOFF", "-1", "LIQLIB_HTTP_BACKOFF"),
    ],
)
def test_bad_http_settings_are_one_line_errors_naming_the_variable(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as exc:
        HttpConfig.from_env()
    msg = one_line(exc)
    assert words in msg and name in msg
