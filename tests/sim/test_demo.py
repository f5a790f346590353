"""The bundled demo market (SIMULATED): registry hashes, reading it directly and through the
loader over loopback HTTP, and a damaged or missing file as a one-line error."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

import liqlib as lq
from liqlib.data import columns as C
from liqlib.errors import CorruptDataError, InputError
from liqlib.sim import demo

MAX_DEMO_BYTES = 5 * 1024**2


def test_every_demo_file_matches_its_registry_and_the_demo_is_small():
    root = demo.demo_dir()
    reg = json.loads((root / demo.REGISTRY_FILE).read_text())
    total = 0
    for rel, digest in reg["files"].items():
        data = (root / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, rel
        total += len(data)
    assert total <= MAX_DEMO_BYTES
    assert reg["seed"] == demo.DEMO_SEED and reg["symbol"] == demo.DEMO_SYMBOL
    assert "SIMULATED" in reg["what"]


def test_load_demo_is_the_simulation_it_says_it_is():
    market, truth = lq.load_demo(truth=True)
    assert list(market.columns) == list(C.MARKET_COLUMNS)
    assert market.attrs["synthetic"] is True and "SIMULATED" in market.attrs["source"]
    assert len(market) == 14 * 1440 and market.notna().all().all()
    again, truth2 = lq.simulate_market(demo.DEMO_SEED, config=demo.DEMO_CONFIG)
    np.testing.assert_allclose(market.to_numpy(float), again.to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(truth.long_usd, truth2.long_usd, rtol=1e-6)  # stored float32
    np.testing.assert_allclose(
        truth.liquidations[["long_usd", "short_usd"]], truth2.liquidations[["long_usd", "short_usd"]],
        atol=1e-5,
    )  # fmt: skip
    assert truth.times.equals(truth2.times)


def test_load_demo_aggregates_to_coarser_bars():
    m1 = lq.load_demo()
    h1 = lq.load_demo("1h")
    assert len(h1) == 14 * 24 and h1.attrs["interval"] == "1h"
    first = m1.iloc[:60]
    assert h1[C.HIGH].iloc[0] == first[C.HIGH].max()
    assert h1[C.LOW].iloc[0] == first[C.LOW].min()
    assert h1[C.CLOSE].iloc[0] == first[C.CLOSE].iloc[-1]
    assert h1[C.QUOTE_VOLUME].iloc[0] == pytest.approx(first[C.QUOTE_VOLUME].sum())
    assert h1[C.OI_COIN].iloc[1] == m1[C.OI_COIN].iloc[60]


def test_demo_served_as_a_mirror_loads_through_load_market(tmp_path, monkeypatch):
    direct = lq.load_demo()
    with lq.serve_demo() as url:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", url)
        got = lq.load_market(
            demo.DEMO_SYMBOL, "2025-03-01", "2025-03-03", cache_dir=tmp_path, progress=False
        )
    assert got.attrs["synthetic"] is True and "SIMULATED" in got.attrs["source"]
    assert got.attrs["gaps"] == {}
    want = direct.loc[:"2025-03-02 23:59"]
    assert list(got.columns) == list(want.columns) and got.index.equals(want.index)
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-12)


def test_a_demo_file_that_does_not_match_its_hash_is_a_one_line_error(tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(demo.demo_dir(), root)
    victim = next((root / "archive").rglob("*.zip"))
    victim.write_bytes(victim.read_bytes()[:-10])
    with pytest.raises(CorruptDataError, match="does not match its sha256") as err:
        lq.load_demo(root=root)
    assert "\n" not in str(err.value) and "make demo-data" in str(err.value)
    victim.unlink()
    with pytest.raises(CorruptDataError, match="is missing"):
        lq.load_demo(root=root)


def test_a_missing_demo_folder_says_how_to_rebuild_it(tmp_path, monkeypatch):
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="make demo-data"):
        lq.load_demo()
