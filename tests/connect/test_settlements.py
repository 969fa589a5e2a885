"""Reading and validating settlements; the bundled OSM places; the synthetic generator."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from spacebridge.connect.settlements import (
    TYPICAL_POPULATION_BY_PLACE,
    read_settlements,
    settlements_from_records,
    synthetic_settlements,
)
from spacebridge.core.errors import EstimatedValueWarning, MalformedInputError, NotFoundError, OutOfRangeError


@pytest.fixture(scope="module")
def osm_places(examples_dir):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        places = read_settlements(examples_dir / "kazakhstan" / "places" / "kaz_populated_places_osm.csv")
    return places, caught


def test_bundled_osm_places(osm_places):
    places, caught = osm_places
    assert len(places) == 9899
    # 3,547 places carry an OSM population value (3,543 positive, 4 zeros, kept as given).
    assert int((~places.population_estimated).sum()) == 3547
    assert [w.category for w in caught] == [EstimatedValueWarning]
    assert "6352 of 9899" in str(caught[0].message)
    villages = (places.place == "village") & places.population_estimated
    known_villages = places.population[(places.place == "village") & ~places.population_estimated]
    assert np.all(places.population[villages] == np.median(known_villages))
    assert np.all(
        places.population[places.population_estimated & (places.place == "isolated_dwelling")]
        == TYPICAL_POPULATION_BY_PLACE["isolated_dwelling"]
    )  # only 8 known: too few for a median
    assert set(places.adm1[places.adm1 != ""]) >= {"KZ10", "KZ33", "KZ62"}  # Abay, Zhetysu, Ulytau (2022 oblasts)


def _write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_errors_name_row_and_column(tmp_path):
    with pytest.raises(OutOfRangeError, match=r"row 2, column 'lat': 95\.0 is outside \[-90, 90\]") as info:
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\na,A,45,70,10\nb,B,95,70,10\n"))
    assert info.value.context["row"] == 2
    with pytest.raises(MalformedInputError, match="row 1, column 'population': population is missing"):
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\na,A,45,70,\n"))
    with pytest.raises(MalformedInputError, match=r"id 'a' in column 'id' appears on rows \[1, 3\]"):
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\na,A,45,70,1\nb,B,45,71,1\na,C,46,70,1\n"))
    with pytest.raises(OutOfRangeError, match="column 'population'"):
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\na,A,45,70,-3\n"))
    with pytest.raises(MalformedInputError, match="row 1, column 'lon': 'east' is not a number"):
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\na,A,45,east,3\n"))
    with pytest.raises(MalformedInputError, match="is empty"):
        read_settlements(_write(tmp_path, ""))
    with pytest.raises(MalformedInputError, match="has no settlements"):
        read_settlements(_write(tmp_path, "id,name,lat,lon,population\n"))
    with pytest.raises(MalformedInputError, match="no lat column"):
        read_settlements(_write(tmp_path, "id,name,y_deg,lon,population\na,A,45,70,1\n"))
    with pytest.raises(NotFoundError):
        read_settlements(tmp_path / "missing.csv")


def test_population_estimate_is_flagged(tmp_path):
    path = _write(tmp_path, "id,name,lat,lon,population,place\na,A,45,70,,hamlet\nb,B,46,70,250,village\n")
    with pytest.warns(EstimatedValueWarning, match="hamlet = 100"):
        s = read_settlements(path)
    assert s.population.tolist() == [100.0, 250.0]
    assert s.population_estimated.tolist() == [True, False]
    with pytest.raises(MalformedInputError, match="population is missing"):
        read_settlements(path, estimate_population=False)


def test_geojson_and_facilities(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [70.5, 45.1]},
         "properties": {"id": "x", "name": "X", "population": 900, "schools": 2, "adm1_pcode": "KZ10"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [71.0, 46.0]},
         "properties": {"id": "y", "name": "Y", "population": 50}},
    ]}  # fmt: skip
    s = read_settlements(_write(tmp_path, json.dumps(doc), "s.geojson"), facility_columns=("schools",))
    assert s.lat_deg.tolist() == [45.1, 46.0]
    assert s.facilities["schools"].tolist() == [2.0, 0.0]
    assert s.adm1.tolist() == ["KZ10", ""]
    doc["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    with pytest.raises(MalformedInputError, match="feature 2 has geometry 'LineString'"):
        read_settlements(_write(tmp_path, json.dumps(doc), "s.geojson"))


def test_synthetic_is_seeded_and_valid():
    a, b = synthetic_settlements(500, seed=7), synthetic_settlements(500, seed=7)
    np.testing.assert_array_equal(a.lat_deg, b.lat_deg)
    assert not np.array_equal(a.lat_deg, synthetic_settlements(500, seed=8).lat_deg)
    assert len(set(a.id)) == 500
    assert np.all(a.population >= 0)
    again = settlements_from_records([{"id": i, "lat": la, "lon": lo, "population": p} for i, la, lo, p in
                                      zip(a.id, a.lat_deg, a.lon_deg, a.population, strict=True)])  # fmt: skip
    np.testing.assert_array_equal(again.population, a.population)
    assert a.subset(a.population > 1000).lat_deg.size == int((a.population > 1000).sum())
