"""The planning seam reproduces connect.itur's total attenuation exactly while reusing site terms."""

from __future__ import annotations

import numpy as np
import pytest

from spacebridge.connect.itur import total_attenuation
from spacebridge.connect.propagation import SitePropagation, path_attenuation


@pytest.fixture(scope="module")
def sites():
    rng = np.random.default_rng(11)
    n = 400
    lat = np.concatenate([rng.uniform(40.5, 55.5, n - 2), [51.5, -33.9]])  # Kazakhstan, London, Cape Town
    lon = np.concatenate([rng.uniform(46.5, 87.4, n - 2), [-0.14, 18.4]])
    return lat, lon, rng.uniform(2.0, 89.0, n)


@pytest.mark.parametrize(("freq_ghz", "tau_deg"), [(11.45, 0.0), (14.25, 45.0), (19.7, 90.0)])
def test_site_propagation_equals_total_attenuation(sites, freq_ghz, tau_deg):
    lat, lon, el = sites
    p = np.array([50.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.3, 0.1, 0.01, 0.001])
    ours = SitePropagation(lat, lon).attenuation(freq_ghz, el, p, diameter_m=0.9, efficiency=0.6, tau_deg=tau_deg)
    ref = total_attenuation(lat[:, None], lon[:, None], freq_ghz, el[:, None], p[None, :], diameter_m=0.9,
                            efficiency=0.6, tau_deg=tau_deg)  # fmt: skip
    np.testing.assert_allclose(ours.total_db, ref.total_db, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.excl_scint_db, ref.gas_db + ref.rain_db + ref.cloud_db, rtol=0, atol=1e-9)
    assert ours.versions["total"] == ref.versions["total"]


def test_subset_index_and_generic_model(sites):
    lat, lon, el = sites
    sp = SitePropagation(lat, lon)
    idx = np.array([5, 17, 399])
    sub = sp.attenuation(11.7, el[idx], (1.0, 0.1), diameter_m=0.5, efficiency=0.6, tau_deg=45.0, index=idx)
    generic = path_attenuation(lat[idx, None], lon[idx, None], 11.7, el[idx, None], np.array([[1.0, 0.1]]),
                               diameter_m=0.5, efficiency=0.6, tau_deg=45.0)  # fmt: skip
    np.testing.assert_allclose(sub.total_db, generic.total_db, atol=1e-9)
    assert sub.total_db.shape == (3, 2)
    assert np.all(sub.total_db[:, 1] >= sub.total_db[:, 0])  # rarer percentages, deeper fades
