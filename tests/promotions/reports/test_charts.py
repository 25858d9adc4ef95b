"""The CTR chart's scale: tick labels that say what they mark."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from promotions.reports.charts import ctr_chart
from promotions.reports.dashboards import CtrPoint


def _ticks(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" font-size="11" fill="#57606a">([^<]+)</text>', svg)


def _day(i: int, *, ctr: float | None, low: float | None = None, high: float | None = None):
    return CtrPoint(
        day=date(2026, 11, 1) + timedelta(days=i),
        impressions=0 if ctr is None else 1000,
        clicks=0 if ctr is None else round(ctr * 1000),
        ctr=ctr,
        low=low,
        high=high,
    )


def test_an_empty_chart_has_distinct_tick_labels():
    svg = ctr_chart([_day(i, ctr=None) for i in range(7)], title="CTR")

    assert _ticks(svg) == ["0.00%", "0.25%", "0.50%", "0.75%", "1.00%"]


@pytest.mark.parametrize(
    ("high", "ticks"),
    [
        (0.015, ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"]),
        (0.15, ["0%", "5%", "10%", "15%", "20%"]),
        (0.37, ["0%", "10%", "20%", "30%", "40%"]),
    ],
)
def test_the_scale_fits_the_band_and_its_labels_are_exact(high, ticks):
    svg = ctr_chart([_day(0, ctr=high * 0.9, low=high * 0.8, high=high)], title="CTR")

    assert _ticks(svg) == ticks
