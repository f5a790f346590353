"""One USD formatter and matplotlib's tick steps, used by figures, the explorer and stories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liqlib.stories.story import _usd as story_usd
from liqlib.viz import plot as P
from liqlib.viz.explorer import _nice_ticks, _usd_text
from liqlib.viz.units import format_usd


@pytest.mark.parametrize(
    "x, text",
    [(950, "950"), (12e3, "12k"), (3.4e6, "3.4M"), (1.2e9, "1.2B"), (-2.5e6, "-2.5M"), (0, "0")],
)
def test_format_usd_and_every_caller_agree(x, text):
    assert format_usd(x) == P._usd(x) == text
    dollar = ("-$" + text[1:]) if text.startswith("-") else "$" + text
    assert P.usd_label(x) == _usd_text(x) == format_usd(x, dollar=True) == dollar
    assert story_usd(x) == f"{text} USD"


@given(st.floats(min_value=1e-3, max_value=1e15, allow_nan=False))
def test_nice_ticks_are_round_steps_from_zero_within_the_maximum(vmax):
    ticks = _nice_ticks(vmax)
    assert ticks[0] == 0.0 and ticks[-1] <= vmax * (1 + 1e-9) and 2 <= len(ticks) <= 7
    step = np.diff(ticks)
    np.testing.assert_allclose(step, step[0], rtol=1e-9)
    mantissa = step[0] / 10 ** np.floor(np.log10(step[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) < 1e-6


def test_the_formatters_serve_as_matplotlib_tick_formatters():
    from matplotlib.ticker import FuncFormatter

    assert FuncFormatter(P._usd)(1.2e6, 0) == "1.2M"
    assert FuncFormatter(P.usd_label)(-12e3, 3) == "-$12k"
