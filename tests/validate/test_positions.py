"""Distance profiles of maps and of real positions (liqlib.validate.positions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.validate.positions import (
    DISTANCE_EDGES,
    compare_to_positions,
    distance_profile,
    distance_profile_of_positions,
    profile_cosine,
)


def test_map_profile_counts_every_usd_once():
    m = lq.make_synthetic_market(1_500, seed=2, interval="5min")
    hm = lq.estimate_heatmap(m, n_bins=400, max_columns=5)
    prof = distance_profile(hm)
    assert prof.shape == (DISTANCE_EDGES.size - 1,) and prof.sum() == pytest.approx(1.0)
    p = hm.price[-1]
    usd = hm.long_usd[-1] + hm.short_usd[-1]
    total = usd.sum() + hm.overflow_long_usd[-1] + hm.overflow_short_usd[-1]
    near = usd[np.abs(hm.bin_centers / p - 1) < 0.10].sum() / total
    assert prof[:5].sum() == pytest.approx(near)


def test_compare_against_positions_scores_the_positions_as_themselves():
    m = lq.make_synthetic_market(1_500, seed=2, interval="5min")
    maps = {"turnover": lq.estimate_heatmap(m, n_bins=400, max_columns=5)}
    pos = pd.DataFrame(
        {"cohort": ["a", "a", "b"], "mark_distance": [0.05, 0.3, np.inf],
         "position_usd": [1.0, 3.0, 10.0]}
    )  # fmt: skip
    out = compare_to_positions(maps, pos)
    assert out.loc["real positions", "cosine"] == 1.0
    # each cohort weighs 1: a's 0.05 holds 1/4 of a's half
    assert out.loc["real positions", "share_within"] == pytest.approx(0.125)
    assert 0 < out.loc["turnover", "cosine"] < 1
    with pytest.raises(InputError):
        compare_to_positions(maps, pos.drop(columns="cohort"))


def test_profiles_and_cosine():
    p = distance_profile_of_positions([0.01, 0.03, np.inf], [1.0, 1.0, 2.0])
    assert p[0] == p[1] == 0.25 and p[-1] == 0.5
    assert profile_cosine(p, p) == pytest.approx(1.0)
    assert np.isnan(profile_cosine(p, np.zeros_like(p)))
    with pytest.raises(InputError):
        distance_profile_of_positions([np.nan], [1.0])
