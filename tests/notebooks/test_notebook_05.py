"""Notebook 05 runs headless on small SIMULATED markets; its records match direct computations.

The run also scores a SIMULATED recording (the demo's last days of liquidations, written in the
recorder's format with ``lq.write_liquidations``), so the ``RECORDED`` section runs too."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook
from liqlib.validate import evaluate as ev

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05-validation.ipynb"
PARAMS = {
    "SEEDS": [1],
    "SIM_DAYS": 1.5,
    "LIVE_POSITIONS": 4_000,
    "N_BOOT": 30,
    "N_BINS": 600,
    "SPEED_CANDLES": 3_000,
    "SPEED_RUNS": 1,
}


@pytest.mark.notebook
@pytest.mark.slow
def test_05_validation_records_match_direct_computation(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    from liqlib.data.record.store import EventSink
    from liqlib.sim.demo import demo_liquidations

    recording = tmp_path / "recording"
    liqs = demo_liquidations("2025-03-12", "2025-03-15")  # the demo's last 3 days
    lq.write_liquidations(recording, liqs, synthetic=True)
    # as a recorder stores it: one clean run over the span, one 40-minute disconnection
    sink = EventSink(recording)
    ms = pd.Timestamp("2025-03-12", tz="UTC").value // 1_000_000
    sink.add_run("demo", [liqs.symbol.iloc[0]], ms, ms + 3 * 86_400_000)
    gap = pd.Timestamp("2025-03-13 05:30", tz="UTC").value // 1_000_000
    sink.add_gap("demo", [liqs.symbol.iloc[0]], gap, gap + 40 * 60_000, "dropped: test")
    params = {**PARAMS, "RECORDED": str(recording)}
    executed = run_notebook(NOTEBOOK, tmp_path / "out", params, timeout_s=600)
    rec = read_records(executed)
    assert rec["synthetic"] is True and "SIMULATED" in rec["data_note"]
    # section 8: every model timed, the units consistent
    assert set(rec["speed"]) == set(lq.MODELS)
    for row in rec["speed"].values():
        assert row["candles_per_s"] * row["seconds"] == pytest.approx(3_000, rel=1e-4)
    assert rec["speed"][lq.DEFAULT_MODEL]["vs_default"] == pytest.approx(1.0)

    # the scenario table, recomputed here
    scen = ev.evaluate_scenarios(
        ev.SCENARIOS, PARAMS["SEEDS"], days=PARAMS["SIM_DAYS"],
        live_positions=PARAMS["LIVE_POSITIONS"], n_boot=PARAMS["N_BOOT"],
        n_bins=PARAMS["N_BINS"],
    )  # fmt: skip
    skill = scen["skill_pooled"].dropna().groupby(level=["scenario", "prediction"]).mean()
    for (scenario, model), value in skill.items():
        assert rec["scenario_skill"][scenario][model] == pytest.approx(value, abs=1e-6)

    # the demo's density scores, recomputed here
    market, truth = lq.load_demo(truth=True)
    demo = ev.evaluate_market(
        market, truth.liquidations, truth=truth, n_boot=PARAMS["N_BOOT"],
        mix=ev.told_mix(ev.SCENARIOS["continuous (default)"].leverage), mix_basis="opened",
        model_kw=ev.told_kw(ev.SCENARIOS["continuous (default)"].leverage),
        n_bins=PARAMS["N_BINS"],
        max_columns=400, symbol=market.attrs["symbol"],
    )  # fmt: skip
    for model, row in demo.density.iterrows():
        for col, value in row.items():
            assert rec["demo_density"][model][col] == pytest.approx(value, abs=1e-6)

    # the real window is scored when its file is here, and skipped in words when it is not
    nb = nbformat.read(executed, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    if lq.shared_data_file("raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"):
        assert set(rec["real_second_half_spearman"]) >= {"oi-flow", "range x OI"}
        assert "turnover (calibrated)" in rec["real_out_of_sample_spearman"]
        assert "real window, second half: oi-flow" in text
    else:
        assert rec["real_second_half_spearman"] is None and "section 5 is skipped" in text
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings in the output"
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
    assert pd.notna(rec["scenario_spearman"]["continuous (default)"]["oi-flow"])

    # the SIMULATED recording: scored after the 2-day warm-up, labelled, its level recomputed here
    got = rec["recorded"]
    assert got["kind"] == "SIMULATED" and got["incomplete"] == 2 and got["bars"] == 70
    assert "incomplete bars left out: 2 (2025-03-13 05:00, 2025-03-13 06:00)" in text
    assert "SIMULATED recording: " in text and "LOWER BOUNDS" in text
    assert "SIMULATED recording level: turnover predicts" in text and "(CI " in text
    bars = lq.to_bars(lq.load_liquidations(recording), "1h", gaps=lq.load_gaps(recording),
                      coverage=lq.load_coverage(recording))  # fmt: skip
    market = lq.recording_market(
        "demo", liqs.symbol.iloc[0], "2025-03-10", "2025-03-15", synthetic=True
    )
    scores = lq.score_recording(
        market, bars, n_boot=PARAMS["N_BOOT"], n_bins=PARAMS["N_BINS"], max_columns=400,
        symbol=liqs.symbol.iloc[0],
    )  # fmt: skip
    level = got["level"]["turnover"]
    assert level["ratio"] == pytest.approx(scores.level.loc["turnover", "ratio"], rel=1e-6)
    assert level["lo"] <= level["ratio"] <= level["hi"]
    assert got["realized_usd"] == pytest.approx(scores.realized_usd, rel=1e-9)
    assert got["realized_usd"] < liqs["usd"].sum()  # the two gap bars left out

    # the foreign-form scenarios (nothing told), recomputed here
    foreign = lq.evaluate_foreign_scenarios(
        list(lq.describe_scenarios().index), PARAMS["SEEDS"], days=PARAMS["SIM_DAYS"],
        burn_in_days=4.0, live_positions=PARAMS["LIVE_POSITIONS"], n_bins=PARAMS["N_BINS"],
        max_columns=400, n_boot=PARAMS["N_BOOT"],
    )  # fmt: skip
    mean = foreign.groupby(level=["scenario", "prediction"], sort=False).mean()
    recorded = {(r["scenario"], r["prediction"]): r for r in rec["foreign_mean"]}
    for (scenario, model), row in mean.dropna(subset=["cosine_long"]).iterrows():
        got = recorded[(scenario, model)]
        assert got["cosine_long"] == pytest.approx(row["cosine_long"], abs=1e-6)
        assert got["skill_short"] == pytest.approx(row["skill_short"], abs=1e-6)
    assert rec["level_prior"]["share"] == lq.DEFAULT_LEVEL.share

    # the level of the default prior on the held-out half, recomputed here
    regime = "raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"
    path = lq.shared_data_file(regime)
    if path is None:
        assert rec["level_table"] is None and rec["positions_table"] is None
        return
    market, realized = lq.data.sources.load_coinglass_regime_csv(path)
    half = market.index[len(market) // 2]
    unit = lq.unit_predictions(market, "30min", n_bins=PARAMS["N_BINS"],
                               symbol="BTCUSDT")  # fmt: skip
    real = realized.sum(axis=1)
    held = real[real.index >= half]
    ratio = lq.level_ratio(lq.DEFAULT_LEVEL.share * unit.reindex(held.index), held, n_boot=30)
    got = rec["level_table"]["default prior (uncalibrated)"]
    assert got["ratio"] == pytest.approx(ratio["ratio"], rel=1e-6)
    assert got["lo"] <= got["ratio"] <= got["hi"]
    assert 0 <= rec["oi_only"]["within_2x"] <= 1 and rec["oi_only"]["periods"] >= 20
    assert rec["positions_table"]["all coins|cosine"]["real positions"] == 1.0
    assert set(rec["zone_table"]) >= {"turnover", "oi-flow"}


def test_05_declares_the_recording_parameters_liqlib_report_forwards():
    """``liqlib report -p RECORDED DIR`` reaches notebook 05: the report refuses any name a
    notebook does not declare, and 05 declares RECORDED (default "": the section is skipped)."""
    from liqlib.report.run import check_parameters, declared_parameters

    declared = declared_parameters(NOTEBOOK)
    assert declared["RECORDED"]["default"] in ('""', "''") and {
        "RECORDED_VENUE",
        "RECORDED_SYMBOL",
    } <= set(declared)
    check_parameters([NOTEBOOK], {"RECORDED": "/tmp/recording"})
    with pytest.raises(lq.errors.LiqlibError, match="RECORDS"):
        check_parameters([NOTEBOOK], {"RECORDS": "/tmp/recording"})
