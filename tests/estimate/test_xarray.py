"""``Heatmap.to_xarray``: the same numbers, labelled, and saved to netCDF and back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import liqlib as lq


@pytest.fixture(scope="module")
def hm():
    market = lq.make_synthetic_market(1_200, seed=4)
    return lq.estimate_heatmap(market, n_bins=60, max_columns=40, per_tier=True)


def test_to_xarray_holds_the_heatmap_numbers(hm):
    ds = hm.to_xarray()
    assert dict(ds["usd"].sizes) == {"side": 2, "time": 40, "price": 60}
    n_tiers = len(hm.leverages)
    assert dict(ds["usd_by_tier"].sizes) == {"side": 2, "time": 40, "tier": n_tiers, "price": 60}
    np.testing.assert_array_equal(ds["usd"].sel(side="long").values, hm.long_usd)
    np.testing.assert_array_equal(ds["usd"].sel(side="short").values, hm.short_usd)
    np.testing.assert_array_equal(ds["usd_by_tier"].sel(side="long").values, hm.long_usd_by_tier)
    np.testing.assert_array_equal(ds["overflow_usd"].sel(side="short"), hm.overflow_short_usd)
    np.testing.assert_array_equal(ds["close"].values, hm.price)
    np.testing.assert_array_equal(ds["price"].values, hm.bin_centers)
    np.testing.assert_array_equal(ds["price_lower"].values, hm.price_edges[:-1])
    np.testing.assert_array_equal(ds["tier"].values, hm.leverages)
    # times are UTC, said in attrs; a column is selected by a UTC time
    assert ds["time"].attrs["time_zone"] == "UTC" == ds.attrs["time_zone"]
    assert (pd.DatetimeIndex(ds["time"].values).tz_localize("UTC") == hm.times).all()
    t = hm.times[7]
    np.testing.assert_array_equal(
        ds["usd"].sel(side="long", time=t.tz_localize(None)).values, hm.long_usd[7]
    )
    assert ds.attrs["model"] == hm.model == lq.DEFAULT_MODEL and ds.attrs["synthetic"] == 1
    # per-tier USD sums to the total
    np.testing.assert_allclose(ds["usd_by_tier"].sum("tier"), ds["usd"], rtol=1e-12, atol=1e-6)


def test_to_xarray_round_trips_through_netcdf(hm, tmp_path):
    ds = hm.to_xarray()
    path = tmp_path / "heatmap.nc"
    ds.to_netcdf(path)
    back = xr.load_dataset(path)
    xr.testing.assert_identical(back, ds)


def test_to_xarray_resamples(hm):
    hourly = hm.to_xarray()["usd"].resample(time="1h").mean()
    assert hourly.sizes["time"] == hm.times.floor("1h").nunique()
    without_tiers = lq.estimate_heatmap(lq.make_synthetic_market(300), n_bins=20)
    assert "usd_by_tier" not in without_tiers.to_xarray()


def test_repr_is_short_and_names_the_model_market_and_grid(hm):
    text = repr(hm)
    assert len(text) < 400, len(text)
    assert text.startswith("<Heatmap ") and f"model: {hm.model}" in text
    assert "SYNTHETIC" in text and f"{len(hm.times)} (" in text and "60 (" in text
    html = hm._repr_html_()
    assert len(html) < 2_000 and "<table>" in html and hm.model in html


def test_truth_to_xarray_lines_up_with_the_heatmap_and_round_trips(tmp_path):
    market, truth = lq.simulate_market(3, days=0.5)
    ds = truth.to_xarray()
    n_s, n_t, n_b = truth.long_usd.shape
    assert dict(ds["usd_by_tier"].sizes) == {"side": 2, "time": n_s, "tier": n_t, "price": n_b}
    np.testing.assert_array_equal(ds["usd_by_tier"].sel(side="short").values, truth.short_usd)
    np.testing.assert_allclose(ds["usd"].sel(side="long").values, truth.side_usd("long"))
    np.testing.assert_array_equal(ds["price"].values, truth.bin_centers)
    np.testing.assert_array_equal(
        ds["liquidated_usd"].sel(side="long").values, truth.liquidations["long_usd"].to_numpy()
    )
    assert list(ds["tier"].values) == list(truth.tier_labels) and ds.attrs["synthetic"] == 1
    assert (pd.DatetimeIndex(ds["time"].values).tz_localize("UTC") == truth.times).all()
    # the same dims and names as Heatmap.to_xarray for the shared variables
    hm = lq.estimate_heatmap(market, n_bins=40, max_columns=10).to_xarray()
    for name in ("usd", "overflow_usd", "close"):
        assert ds[name].dims == hm[name].dims
    path = tmp_path / "truth.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    back = xr.load_dataset(path, engine="h5netcdf")
    xr.testing.assert_identical(back, ds)
    assert len(repr(truth)) < 300 and "SIMULATED" in repr(truth)
