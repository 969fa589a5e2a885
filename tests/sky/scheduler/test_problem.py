"""The night problem: windows from masks, slews, and inputs copied rather than shared."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spacebridge.core.errors import InvalidInputError
from spacebridge.sky.scheduler.problem import NightProblem, great_circle_deg, slew_matrix_s, windows_from_mask


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 4), st.integers(1, 40))))
def test_windows_are_exactly_the_runs_of_true(mask):
    times = np.arange(mask.shape[1]) * 30 + 1000
    windows = windows_from_mask(times, mask)
    for row, wins in zip(mask, windows, strict=True):
        rebuilt = np.zeros_like(row)
        for a, b in wins:
            rebuilt |= (times >= a) & (times <= b)
        assert np.array_equal(rebuilt, row)
        assert np.all(np.diff(wins[:, 0]) > 0) if len(wins) > 1 else True
        # runs are maximal: the samples just outside each run are False
        for a, b in wins:
            i, j = np.searchsorted(times, a), np.searchsorted(times, b)
            assert i == 0 or not row[i - 1]
            assert j == row.size - 1 or not row[j + 1]


def test_great_circle_agrees_with_astropy():
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    rng = np.random.default_rng(1)
    ra1, ra2 = rng.uniform(0, 360, (2, 500))
    dec1, dec2 = rng.uniform(-90, 90, (2, 500))
    expected = SkyCoord(ra1 * u.deg, dec1 * u.deg).separation(SkyCoord(ra2 * u.deg, dec2 * u.deg)).deg
    np.testing.assert_allclose(great_circle_deg(ra1, dec1, ra2, dec2), expected, atol=1e-9)


def test_slew_matrix_rounds_up_and_adds_settle():
    slew = slew_matrix_s([0.0, 10.0, 0.0], [0.0, 0.0, 90.0], slew_rate_deg_s=0.3, settle_s=5)
    assert slew.tolist() == [[0, 39, 305], [39, 0, 305], [305, 305, 0]]  # ceil(10/0.3 + 5) = 39, ceil(90/.3+5)
    with pytest.raises(InvalidInputError, match="slew_rate_deg_s"):
        slew_matrix_s([0.0], [0.0], slew_rate_deg_s=0)


def test_problem_copies_inputs_and_is_read_only():
    duration = np.array([600.0, 1200.5])
    windows = [np.array([[0, 3600]]), np.array([[100, 900], [2000, 5000]])]
    slew = np.array([[0, 30], [30, 0]])
    p = NightProblem.build(["a", "b"], duration_s=duration, priority=[1, 2], windows=windows, slew_s=slew)
    duration[0] = 1.0
    windows[1][0, 0] = 99
    slew[0, 1] = 0
    assert p.duration_s[0] == 600.0
    assert p.windows[1][0, 0] == 100
    assert p.slew_s[0, 1] == 30
    assert p.occupancy_s.tolist() == [600, 1201]
    for arr in (p.duration_s, p.occupancy_s, p.value, p.slew_s, p.windows[0]):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    assert p.fits().tolist() == [True, True]
    assert p.max_window_s().tolist() == [3600, 3000]


def test_inconsistent_sizes_are_rejected():
    with pytest.raises(InvalidInputError, match="inconsistent problem sizes"):
        NightProblem.build(["a"], duration_s=[1, 2], priority=[1], windows=[[]], slew_s=[[0]])
    with pytest.raises(InvalidInputError, match="durations must be positive"):
        NightProblem.build(["a"], duration_s=[-1], priority=[1], windows=[[]], slew_s=[[0]])


def test_public_api_is_locked():
    import spacebridge.sky.scheduler as scheduler

    assert scheduler.__all__ == [
        "HeuristicOptions", "NightPlan", "NightProblem", "NightSchedule", "PlanOptions", "PolishResult", "Request",
        "RequestSet", "SemesterPlan", "parse_request_set", "partner_usage", "plan_night", "plan_semester",
        "polish_night", "request_set_from_json", "schedule_csv", "schedule_document", "schedule_night",
        "slew_matrix_s", "windows_from_mask",
    ]  # fmt: skip
    for name in scheduler.__all__:
        assert getattr(scheduler, name) is not None
    with pytest.raises(AttributeError):
        scheduler.no_such_name  # noqa: B018
