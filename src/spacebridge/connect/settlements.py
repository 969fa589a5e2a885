"""Settlements to connect: reading CSV or GeoJSON, validation, population estimates, synthetic sets.

A settlements file has one row (or Point feature) per settlement with an id, a name, latitude and longitude
(WGS 84 degrees), a population, optionally the administrative codes of its first- and second-level units, a
place class (OpenStreetMap ``place=*``) and facility counts (numeric columns named in the scenario, e.g.
``schools``). Column names are matched case-insensitively with a few aliases (``osm_id`` for ``id``,
``adm1_pcode`` for ``adm1``...).

Bad input stops with an error naming the row (1-based data row; CSV line = row + 1) and the column: latitude
outside [-90, 90], longitude outside [-180, 180], a negative or missing population, a duplicate id, an empty
file. A missing population is estimated only when the row has a place class: it becomes the median population
of the settlements of that class in the same file (when at least 20 of them have one), else the class's
typical size from the OpenStreetMap wiki definitions (:data:`TYPICAL_POPULATION_BY_PLACE`); estimated values
are flagged in ``population_estimated`` and announced with :class:`EstimatedValueWarning`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import EstimatedValueWarning, MalformedInputError, OutOfRangeError

__all__ = [
    "KAZAKHSTAN_BBOX",
    "TYPICAL_POPULATION_BY_PLACE",
    "Settlements",
    "read_settlements",
    "settlements_from_records",
    "synthetic_settlements",
]

FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]
KAZAKHSTAN_BBOX = (46.49, 40.57, 87.36, 55.44)
"""west, south, east, north of Kazakhstan (degrees), from the bundled geokz ADM0 boundary."""
TYPICAL_POPULATION_BY_PLACE: Mapping[str, float] = {
    "city": 100_000.0,
    "town": 10_000.0,
    "village": 1_000.0,
    "hamlet": 100.0,
    "isolated_dwelling": 5.0,
}
"""Fallback population per OSM place class (wiki.openstreetmap.org/wiki/Key:place orders of magnitude)."""
MIN_KNOWN_FOR_MEDIAN = 20

_ALIASES = {
    "id": ("id", "osm_id", "settlement_id", "code"),
    "name": ("name", "name_en", "name_ru", "name_kk"),
    "lat": ("lat", "latitude", "lat_deg", "y"),
    "lon": ("lon", "lng", "longitude", "lon_deg", "x"),
    "population": ("population", "pop", "inhabitants"),
    "adm1": ("adm1", "adm1_pcode", "admin1", "oblast"),
    "adm2": ("adm2", "adm2_pcode", "admin2", "admin_code", "district"),
    "place": ("place", "place_class"),
}


@dataclass(frozen=True, eq=False)
class Settlements:
    """A validated set of settlements; every array has one entry per settlement."""

    id: ObjArray
    name: ObjArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    population: FloatArray
    population_estimated: npt.NDArray[np.bool_]
    adm1: ObjArray
    """First-level administrative code ("" when unknown)."""
    adm2: ObjArray
    """Second-level administrative code ("" when unknown)."""
    place: ObjArray
    facilities: Mapping[str, FloatArray] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return int(self.lat_deg.size)

    def subset(self, mask: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Settlements:
        """The settlements selected by a boolean mask or an index array."""
        return Settlements(
            self.id[mask], self.name[mask], self.lat_deg[mask], self.lon_deg[mask], self.population[mask],
            self.population_estimated[mask], self.adm1[mask], self.adm2[mask], self.place[mask],
            {k: v[mask] for k, v in self.facilities.items()}, self.source,
        )  # fmt: skip

    def columns(self) -> dict[str, npt.NDArray[np.generic]]:
        """Column name -> array, in table order (for data frames and output tables)."""
        return {
            "id": self.id, "name": self.name, "lat": self.lat_deg, "lon": self.lon_deg,
            "population": self.population, "population_estimated": self.population_estimated,
            "adm1": self.adm1, "adm2": self.adm2, "place": self.place,
            **{f"facility_{k}": v for k, v in self.facilities.items()},
        }  # fmt: skip


def _pick(columns: Sequence[str], key: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[a] for a in _ALIASES[key] if a in lower), None)


def _as_float(values: Sequence[object], column: str, source: str) -> FloatArray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        try:
            out[i] = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise MalformedInputError(
                f"{source}: row {i + 1}, column {column!r}: {v!r} is not a number",
                hint="Give decimal numbers with a dot as decimal separator",
                row=i + 1,
                column=column,
                value=str(v),
            ) from None
    return out


def _fail_range(
    source: str, column: str, values: FloatArray, bad: npt.NDArray[np.bool_], valid: str, hint: str
) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        r = int(rows[0])
        raise OutOfRangeError(
            f"{source}: row {r + 1}, column {column!r}: {float(values[r])!r} is outside {valid}"
            + (f" ({rows.size} rows in all)" if rows.size > 1 else ""),
            hint=hint,
            row=r + 1,
            column=column,
            value=float(values[r]),
            bad_rows=int(rows.size),
        )


def settlements_from_records(
    records: Sequence[Mapping[str, object]],
    *,
    source: str = "<records>",
    facility_columns: Sequence[str] = (),
    estimate_population: bool = True,
) -> Settlements:
    """Validate row dictionaries (CSV rows or GeoJSON properties with ``lat``/``lon``) into :class:`Settlements`."""
    if not records:
        raise MalformedInputError(f"{source} has no settlements", hint="Give at least one row", source=source)
    columns = list(dict.fromkeys(k for r in records for k in r))
    picked = {key: _pick(columns, key) for key in _ALIASES}
    for required in ("lat", "lon"):
        if picked[required] is None:
            raise MalformedInputError(
                f"{source} has no {required} column (columns: {columns})",
                hint=f"Name it one of {list(_ALIASES[required])}",
                column=required,
            )

    def col(key: str) -> list[object]:
        name = picked[key]
        return [r.get(name) for r in records] if name else [None] * len(records)

    lat = _as_float(col("lat"), str(picked["lat"]), source)
    lon = _as_float(col("lon"), str(picked["lon"]), source)
    _fail_range(source, str(picked["lat"]), lat, ~(np.abs(lat) <= 90.0), "[-90, 90]",
                "Latitudes are decimal degrees north; check that lat and lon are not swapped")  # fmt: skip
    _fail_range(source, str(picked["lon"]), lon, ~(np.abs(lon) <= 180.0), "[-180, 180]",
                "Longitudes are decimal degrees east")  # fmt: skip
    n = len(records)
    ids = np.array([str(v) if v not in (None, "") else "" for v in col("id")] if picked["id"] else
                   [str(i + 1) for i in range(n)], dtype=object)  # fmt: skip
    _check_ids(ids, source, str(picked["id"] or "id"))
    place = np.array([str(v).strip().lower() if v else "" for v in col("place")], dtype=object)
    pop_col = str(picked["population"] or "population")
    population = _as_float(col("population"), pop_col, source)
    _fail_range(source, pop_col, population, population < 0, "[0, inf)", "Populations are head counts, >= 0")
    estimated = _fill_population(population, place, source, pop_col, estimate_population)
    names = np.array([str(v) if v not in (None, "") else "" for v in col("name")], dtype=object)
    facilities = {}
    for fname in facility_columns:
        actual = next((c for c in columns if c.lower() == fname.lower()), None)
        values = _as_float([r.get(actual) for r in records], fname, source) if actual else np.zeros(n)
        facilities[fname] = np.nan_to_num(values, nan=0.0)
    return Settlements(
        ids, names, lat, lon, population, estimated,
        np.array([str(v) if v else "" for v in col("adm1")], dtype=object),
        np.array([str(v) if v else "" for v in col("adm2")], dtype=object),
        place, facilities, source,
    )  # fmt: skip


def _check_ids(ids: ObjArray, source: str, column: str) -> None:
    empty = np.flatnonzero(ids == "")
    if empty.size:
        raise MalformedInputError(
            f"{source}: row {int(empty[0]) + 1}, column {column!r}: the id is empty",
            hint="Give every settlement a unique id", row=int(empty[0]) + 1, column=column,
        )  # fmt: skip
    _, first, counts = np.unique(ids.astype(str), return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = ids[first[np.argmax(counts > 1)]]
        rows = (np.flatnonzero(ids == dup) + 1).tolist()
        raise MalformedInputError(
            f"{source}: id {dup!r} in column {column!r} appears on rows {rows}",
            hint="Settlement ids must be unique", column=column, value=str(dup), rows=rows,
        )  # fmt: skip


def _fill_population(
    population: FloatArray, place: ObjArray, source: str, column: str, estimate: bool
) -> npt.NDArray[np.bool_]:
    missing = np.isnan(population)
    if not missing.any():
        return missing
    unestimable = missing & ((place == "") | ~np.array([p in TYPICAL_POPULATION_BY_PLACE for p in place]))
    if not estimate or unestimable.any():
        r = int(np.flatnonzero(unestimable if estimate else missing)[0])
        raise MalformedInputError(
            f"{source}: row {r + 1}, column {column!r}: population is missing",
            hint="Give a population, or a place class (city, town, village, hamlet, isolated_dwelling) so it "
            "can be estimated", row=r + 1, column=column,
        )  # fmt: skip
    used: dict[str, float] = {}
    for cls in sorted({str(p) for p in place[missing]}):
        known = population[(place == cls) & ~missing]
        value = float(np.median(known)) if known.size >= MIN_KNOWN_FOR_MEDIAN else TYPICAL_POPULATION_BY_PLACE[cls]
        population[missing & (place == cls)] = value
        used[cls] = value
    warnings.warn(
        EstimatedValueWarning(
            f"{source}: population estimated from the place class for {int(missing.sum())} of "
            f"{population.size} settlements ({', '.join(f'{k} = {v:g}' for k, v in used.items())}); "
            "see the population_estimated column"
        ),
        stacklevel=3,
    )
    return missing


def read_settlements(
    path: str | Path, *, facility_columns: Sequence[str] = (), estimate_population: bool = True
) -> Settlements:
    """Read settlements from a CSV file or a GeoJSON FeatureCollection of Points."""
    path = Path(path)
    if not path.is_file():
        from spacebridge.core.errors import NotFoundError

        raise NotFoundError(f"settlements file {path} does not exist", hint="Check the path", path=str(path))
    if path.stat().st_size == 0:
        raise MalformedInputError(f"settlements file {path} is empty", hint="Give a CSV or GeoJSON file with rows",
                                  path=str(path))  # fmt: skip
    if path.suffix.lower() in (".geojson", ".json"):
        records = _geojson_records(path)
    else:
        import csv

        with open(path, newline="", encoding="utf-8-sig") as fh:
            records = list(csv.DictReader(fh))
    return settlements_from_records(
        records, source=path.name, facility_columns=facility_columns, estimate_population=estimate_population
    )


def _geojson_records(path: Path) -> list[dict[str, object]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MalformedInputError(f"{path.name} is not valid JSON: {exc}", path=str(path)) from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise MalformedInputError(f"{path.name} is not a GeoJSON FeatureCollection", path=str(path))
    records = []
    for i, feat in enumerate(features):
        geom = (feat or {}).get("geometry") or {}
        if geom.get("type") != "Point":
            raise MalformedInputError(
                f"{path.name}: feature {i + 1} has geometry {geom.get('type')!r}, not a Point",
                hint="Give settlements as Point features", row=i + 1, column="geometry",
            )  # fmt: skip
        lon, lat = geom["coordinates"][:2]
        records.append({**(feat.get("properties") or {}), "lon": lon, "lat": lat})
    return records


def synthetic_settlements(
    n: int,
    *,
    seed: int,
    bbox: tuple[float, float, float, float] = KAZAKHSTAN_BBOX,
    median_population: float = 500.0,
    sigma_log: float = 1.3,
    districts: int = 200,
) -> Settlements:
    """``n`` random settlements, uniform in ``bbox``, log-normal populations, grid-cell district codes.

    Deterministic for a given ``seed``; for tests and benchmarks, not for planning.
    """
    rng = np.random.default_rng(seed)
    west, south, east, north = bbox
    lon = rng.uniform(west, east, n)
    lat = rng.uniform(south, north, n)
    pop = np.round(median_population * np.exp(sigma_log * rng.standard_normal(n)))
    side = max(int(np.sqrt(districts)), 1)
    ix = np.minimum(((lon - west) / (east - west) * side).astype(int), side - 1)
    iy = np.minimum(((lat - south) / (north - south) * side).astype(int), side - 1)
    adm1 = np.array([f"SYN{v:02d}" for v in iy * 4 // side * 4 + ix * 4 // side], dtype=object)
    adm2 = np.array([f"{a}-{b:03d}" for a, b in zip(adm1, iy * side + ix, strict=True)], dtype=object)
    place = np.where(pop >= 10_000, "town", np.where(pop >= 200, "village", "hamlet")).astype(object)
    return Settlements(
        np.array([f"syn-{i}" for i in range(n)], dtype=object), np.array([f"Settlement {i}" for i in range(n)],
        dtype=object), lat, lon, pop, np.zeros(n, dtype=bool), adm1, adm2, place,
        {"schools": (rng.uniform(size=n) < np.clip(pop / 2000.0, 0.05, 1.0)).astype(np.float64)},
        f"synthetic(n={n}, seed={seed})",
    )  # fmt: skip
