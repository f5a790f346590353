"""The self-healing cache: records, quarantine, re-download, verify_cache and the CLI, over
real HTTP against the loopback archive server."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import liqlib as lq
from liqlib.data import columns as C
from liqlib.data.cache import RECORD_KEY
from liqlib.report.cli import main

DAY = "2025-11-04"
KW = {"interval": "5m", "include": ["klines"], "progress": False}
REL = "binance/BTCUSDT/klines-5m/2025-11-04.parquet"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(path))
    return path


def load(**kw):
    return lq.load_market("BTCUSDT", DAY, "2025-11-05", **{**KW, **kw})


def expected(arch) -> pd.DataFrame:
    frame = arch.frames["klines-5m"]
    return frame[frame.index.strftime("%Y-%m-%d") == DAY]


def assert_same_bars(df, arch) -> None:
    pd.testing.assert_frame_equal(
        df[list(C.KLINE_COLUMNS)], expected(arch), check_freq=False, check_names=False
    )


def test_cached_files_record_their_source_and_content_sha256(archive_env, synthetic_archive, cache):
    load()
    meta = pq.read_schema(cache / REL).metadata
    record = json.loads(meta[RECORD_KEY])
    assert record["kind"] == "klines" and record["period"] == DAY
    assert record["source_url"].endswith("BTCUSDT-5m-2025-11-04.zip")
    assert len(record["source_sha256"]) == 64 and len(record["content_sha256"]) == 64
    report = lq.verify_cache(cache)
    assert list(report["status"]) == ["ok"] and report.attrs["problems"] == 0


def _rewrite_prices(path: Path, factor: float) -> None:
    """Change the data but keep the file valid Parquet and the metadata (a silent edit)."""
    table = pq.read_table(path)
    i = table.column_names.index(C.CLOSE)
    closes = pc.multiply(table.column(C.CLOSE), factor)
    table = table.set_column(i, C.CLOSE, closes)
    pq.write_table(table, path)


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda p: p.write_bytes(b"not parquet at all" * 10), "unreadable as Parquet"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "unreadable"),
        (lambda p: pd.DataFrame({"x": [1, 2]}).to_parquet(p), "no 'time' column"),
        (lambda p: _rewrite_prices(p, 1.0000001), "does not match the recorded"),
        (lambda p: _rewrite_prices(p, -1.0), "not a finite price > 0"),
        (lambda p: (p.unlink(), p.mkdir()), "a folder sits where"),
    ],
    ids=["garbage", "truncated", "foreign", "edited", "negative", "folder"],
)
def test_an_unusable_cached_file_is_quarantined_and_fetched_again(
    archive_env, synthetic_archive, cache, caplog, damage, words
):
    load()
    damage(cache / REL)
    archive_env.reset_counts()
    with caplog.at_level(logging.WARNING, logger="liqlib"):
        df = load()
    assert_same_bars(df, synthetic_archive)
    assert archive_env.requests[synthetic_archive.path("klines", DAY, "5m")] == 1
    quarantined = list((cache / "quarantine").rglob("2025-11-04.parquet.*"))
    assert len(quarantined) == 1
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert str(quarantined[0]) in warning and (words in warning or "folder" in words), warning
    assert lq.verify_cache(cache).attrs["problems"] == 0
    archive_env.reset_counts()
    load()  # healed: the next load is offline again
    assert archive_env.total_requests == 0


def test_verify_cache_reports_then_repairs(archive_env, synthetic_archive, cache):
    lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", **KW)
    (cache / REL).write_bytes(b"junk")
    marker = cache / "binance/BTCUSDT/klines-5m/2025-10-01.missing"
    marker.write_text("{not json")
    stale = cache / "binance/BTCUSDT/klines-5m/.2025-11-05.parquet.abc.tmp"
    stale.write_bytes(b"half a file")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = cache / "binance/BTCUSDT/klines-5m/.2025-11-03.parquet.xyz.tmp"
    fresh.write_bytes(b"a write in progress")
    report = lq.verify_cache(cache).set_index("path")
    assert report.loc[REL, "status"] == "corrupt"
    assert report.loc["binance/BTCUSDT/klines-5m/2025-10-01.missing", "status"] == "bad-marker"
    assert report.loc[stale.relative_to(cache).as_posix(), "status"] == "stale-tmp"
    assert report.loc[fresh.relative_to(cache).as_posix(), "status"] == "in-progress"
    assert report.attrs["problems"] == 3
    archive_env.reset_counts()
    repaired = lq.verify_cache(cache, repair=True).set_index("path")
    assert repaired.loc[REL, "status"] == "repaired" and repaired.attrs["problems"] == 0
    assert not marker.exists() and not stale.exists() and fresh.exists()  # never a live write
    assert archive_env.requests[synthetic_archive.path("klines", DAY, "5m")] == 1
    assert list(lq.verify_cache(cache).set_index("path").drop(
        fresh.relative_to(cache).as_posix())["status"].unique()) == ["ok"]  # fmt: skip


def test_files_from_before_records_are_checked_and_given_a_record(archive_env, cache):
    load()
    path = cache / REL
    table = pq.read_table(path)
    meta = {k: v for k, v in table.schema.metadata.items() if k != RECORD_KEY}
    pq.write_table(table.replace_schema_metadata(meta), path)
    archive_env.reset_counts()
    load()  # still served from the cache: the content passes the contract
    assert archive_env.total_requests == 0
    assert list(lq.verify_cache(cache)["status"]) == ["unrecorded"]
    assert list(lq.verify_cache(cache, repair=True)["action"]) == ["record written"]
    assert list(lq.verify_cache(cache)["status"]) == ["ok"]


def test_cli_cache_verify_and_clear(archive_env, cache, capsys):
    load()
    assert main(["cache", "verify", "--cache-dir", str(cache)]) == 0
    assert "1 files" in capsys.readouterr().out
    (cache / REL).write_bytes(b"junk")
    assert main(["cache", "verify", "--cache-dir", str(cache)]) == 1
    out, err = capsys.readouterr()
    assert "corrupt" in out and REL in out and "--repair" in err
    assert main(["cache", "verify", "--repair", "--cache-dir", str(cache)]) == 0
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "removed" in capsys.readouterr().out
    assert not [p for p in cache.rglob("*") if p.is_file()]
    assert main(["cache", "clear", "--symbol", "BTCUSDX", "--cache-dir", str(cache)]) == 2
    assert "unknown symbol" in capsys.readouterr().err


def _immutable(folder: Path, on: bool) -> bool:
    """Make a folder unwritable even for root (chattr +i), or writable again."""
    if os.geteuid() != 0:
        folder.chmod(0o555 if on else 0o755)
        return True
    done = subprocess.run(["chattr", "+i" if on else "-i", str(folder)], capture_output=True)
    return done.returncode == 0


def test_a_read_only_folder_inside_the_cache_is_found_before_downloading(archive_env, cache):
    folder = cache / "binance/BTCUSDT/klines-5m"
    folder.mkdir(parents=True)
    if not _immutable(folder, True):
        pytest.skip("cannot make a folder read-only here (no chattr, running as root)")
    try:
        archive_env.reset_counts()
        with pytest.raises(
            lq.CacheError, match=r"klines-5m is not writable.*LIQLIB_CACHE_DIR"
        ) as e:
            load()
        assert "\n" not in str(e.value)
        assert archive_env.total_requests == 0  # probed where the file goes, before any I/O
    finally:
        _immutable(folder, False)


def test_a_disk_that_fills_mid_write_is_a_clear_error_and_leaves_nothing(
    archive_env, cache, tmp_path
):
    """A real write failure (RLIMIT_FSIZE: the kernel refuses bytes past 20 kB, EFBIG, as a
    full disk refuses them with ENOSPC) in a child process."""
    script = textwrap.dedent("""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        import liqlib as lq
        try:
            lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="1m",
                           include=["klines"], progress=False)
        except lq.CacheError as err:
            print(err)
            sys.exit(3)
    """)
    env = {**os.environ, "LIQLIB_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip
    assert done.returncode == 3, done.stderr[-2000:]
    message = done.stdout.strip()
    assert "\n" not in message and "disk is full" in message and "LIQLIB_CACHE_DIR" in message
    leftovers = [p for p in cache.rglob("*") if p.is_file()]
    assert leftovers == [], leftovers  # no partial file, no temporary


def test_unchanged_files_get_the_cheap_checks_and_a_changed_one_the_full_ones(
    archive_env, synthetic_archive, cache, monkeypatch, caplog
):
    from liqlib.data import cache as cache_mod

    monkeypatch.setattr(cache_mod, "RACY_S", 0.0)  # no clock tick to wait for in a test
    load()
    assert not (cache / REL).with_name(cache_mod.STAMPS).exists()  # just written: not yet read
    load()  # read in full once, then stamped
    stamps = json.loads((cache / REL).with_name(cache_mod.STAMPS).read_text())
    assert stamps == {"2025-11-04.parquet": cache_mod.file_stamp(cache / REL)}
    full = []
    real = cache_mod.read_cached
    monkeypatch.setattr(
        "liqlib.data.store.read_cached", lambda *a, **k: full.append(k["full"]) or real(*a, **k)
    )
    load()
    assert full == [False]  # unchanged since its full check: the cheap checks only
    _rewrite_prices(cache / REL, 1.0000001)  # a silent edit changes the file's stamp
    with caplog.at_level(logging.WARNING, logger="liqlib"):
        df = load()
    assert full[:2] == [False, True] and "does not match the recorded" in caplog.text
    assert_same_bars(df, synthetic_archive)


def test_an_edit_hidden_behind_an_equal_stamp_is_found_by_verify_cache(
    archive_env, synthetic_archive, cache, monkeypatch
):
    from liqlib.data import cache as cache_mod

    monkeypatch.setattr(cache_mod, "RACY_S", 0.0)
    load()
    load()
    path = cache / REL
    _rewrite_prices(path, 1.0000001)
    # the edit hides behind a stamp equal to the file's (as an edit within one clock tick of a
    # file system that keeps the size and inode would)
    (path.with_name(cache_mod.STAMPS)).write_text(
        json.dumps({path.name: cache_mod.file_stamp(path)})
    )
    load()  # the cheap checks pass: schema, record, rows and times are intact
    report = lq.verify_cache(cache)  # the full sha256 is verify_cache's job
    assert list(report["status"]) == ["corrupt"]
    assert "does not match the recorded" in report["detail"].iloc[0]


def test_verify_and_clear_cover_refreshed_tier_tables(tmp_path):
    """``liqlib cache refresh-tiers`` files are checked by verify (a bad one deleted by repair)
    and removed by clear, for one symbol or all."""
    import json

    import liqlib as lq
    from liqlib.data.venue_tiers import bundled_tier_document

    folder = tmp_path / "tiers" / "bybit"
    folder.mkdir(parents=True)
    table = {**bundled_tier_document("bybit")["tables"][0], "unit": "usd"}
    (folder / "BTCUSDT-2026-12-01.json").write_text(json.dumps(table))
    (folder / "ETHUSDT-2026-12-01.json").write_text("{not json")
    report = lq.verify_cache(tmp_path).set_index("path")
    assert report.loc["tiers/bybit/BTCUSDT-2026-12-01.json", "status"] == "ok"
    assert report.loc["tiers/bybit/ETHUSDT-2026-12-01.json", "status"] == "corrupt"
    assert report.attrs["problems"] == 1
    repaired = lq.verify_cache(tmp_path, repair=True)
    assert repaired.attrs["problems"] == 0
    assert not (folder / "ETHUSDT-2026-12-01.json").exists()
    assert lq.clear_cache("ETHUSDT", tmp_path) == 0
    assert lq.clear_cache("BTCUSDT", tmp_path, venue="bybit") == 1
    assert not any(folder.iterdir())
