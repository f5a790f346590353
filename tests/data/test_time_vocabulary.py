"""One time vocabulary: "5m" and "5min" alike wherever a bar length is asked for; UTC always."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.data.time import interval_arg, parse_interval
from liqlib.errors import LiqlibDeprecationWarning


@pytest.mark.parametrize(("a", "b"), [("1m", "1min"), ("5m", "5min"), ("1h", "1H"), ("1d", "1D")])
def test_both_spellings_everywhere(a, b):
    assert parse_interval(a) == parse_interval(b)
    m1 = lq.make_synthetic_market(300, interval=a)
    m2 = lq.make_synthetic_market(300, interval=b)
    pd.testing.assert_frame_equal(m1, m2)
    assert m1.attrs["interval"] == parse_interval(a)[1]


def test_demo_and_resample_take_both_spellings():
    d1 = lq.load_demo("1h")
    d2 = lq.load_demo("60min")
    pd.testing.assert_frame_equal(d1, d2)
    assert d2.attrs["interval"] == "1h"
    m = lq.load_demo("1m").iloc[:600]
    pd.testing.assert_frame_equal(lq.resample_market(m, "5min"), lq.resample_market(m, "5m"))


@pytest.mark.parametrize("bad", ["1M", "1mo", "0m", "5", "fast", 5])
def test_a_bad_bar_length_is_one_line(bad):
    with pytest.raises(lq.InputError, match="bar length|positive whole") as exc:
        lq.make_synthetic_market(10, interval=bad)
    assert "\n" not in str(exc.value)


def test_a_market_in_another_timezone_is_estimated_in_utc():
    m = lq.make_synthetic_market(400, seed=3)
    local = m.tz_convert("America/New_York")
    local.attrs = dict(m.attrs)
    a = lq.estimate_heatmap(m, "oi-flow", n_bins=60, max_columns=10)
    b = lq.estimate_heatmap(local, "oi-flow", n_bins=60, max_columns=10)
    assert str(b.times.tz) == "UTC" and b.times.equals(a.times)
    np.testing.assert_allclose(b.long_usd, a.long_usd)


def test_interval_arg_reads_interval_and_for_a_while_its_old_name_bar():
    assert interval_arg("1H", where="f") == interval_arg("60min", where="f") == pd.Timedelta("1h")
    assert interval_arg(None, where="f") is None
    assert interval_arg(None, where="f", default="1h") == pd.Timedelta("1h")
    with pytest.warns(LiqlibDeprecationWarning, match=r"f\(bar=\.\.\.\) is renamed interval="):
        assert interval_arg(None, "30m", where="f", default="1h") == pd.Timedelta("30min")
    with pytest.raises(lq.InputError, match="both interval='1h' and bar='1h'") as exc:
        interval_arg("1h", "1h", where="f")
    assert "\n" not in str(exc.value)
    with pytest.raises(lq.InputError, match="f needs interval="):
        interval_arg(None, where="f", required=True)
    with pytest.raises(lq.InputError, match="interval='soon' is not a bar length"):
        interval_arg("soon", where="f")
