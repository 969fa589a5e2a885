"""Throughput over the attenuation distribution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebridge.connect.acm import link_availability_percent, mean_throughput_mbps, throughput_mbps
from spacebridge.connect.modcod import dvbs2_table
from spacebridge.core.errors import InvalidInputError

P = [50.0, 10.0, 1.0, 0.5, 0.1, 0.05, 0.01]


def test_throughput_is_symbol_rate_times_efficiency():
    table = dvbs2_table()
    rate = throughput_mbps(np.array([1.0, -5.0]), table=table, symbol_rate_msps=30.0)
    np.testing.assert_allclose(rate, [30.0 * 0.988858, 0.0])
    with_margin = throughput_mbps(np.array([1.0]), table=table, symbol_rate_msps=30.0, implementation_margin_db=0.5)
    assert float(with_margin[0]) == pytest.approx(30.0 * 0.789412)


def test_mean_of_constant_rate_loses_only_the_unevaluated_tail():
    assert float(mean_throughput_mbps(P, np.full(len(P), 100.0))) == pytest.approx(100.0 * (1 - 0.0001))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 500.0), min_size=len(P), max_size=len(P)))
def test_mean_is_a_lower_bound(rates):
    rates = np.sort(np.array(rates))[::-1]  # throughput cannot rise as the exceeded attenuation grows
    lower = float(mean_throughput_mbps(P, rates))
    edges = np.concatenate([[100.0], P]) / 100.0
    upper = float(np.sum(np.concatenate([[rates[0]], rates[:-1]]) * -np.diff(edges)) + rates[-1] * P[-1] / 100)
    assert lower <= upper + 1e-9
    assert rates[-1] * (1 - P[-1] / 100) - 1e-9 <= lower <= rates[0] + 1e-9


def test_availability_interpolates_in_log_p():
    margins = np.array([[3.0, 2.0, 1.0, 0.5, -0.5, -1.0, -2.0], [1.0] * 7, [-1.0] * 7])
    avail = link_availability_percent(P, margins)
    assert avail[0] == pytest.approx(100 - 10 ** ((np.log10(0.5) + np.log10(0.1)) / 2))
    assert avail[1] == pytest.approx(99.99)
    assert avail[2] == 0.0


def test_bad_percentages():
    with pytest.raises(InvalidInputError, match="strictly decreasing"):
        mean_throughput_mbps([1.0, 10.0], np.array([1.0, 2.0]))
    with pytest.raises(InvalidInputError, match="last axis"):
        mean_throughput_mbps([10.0, 1.0], np.array([1.0, 2.0, 3.0]))
