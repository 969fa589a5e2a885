"""Earth satellites: TLE / OMM catalogues (sgp4), their topocentric geometry, sunlight and angular rate.

Parsing and propagation are sgp4's (Vallado et al. 2006, AIAA 2006-6753; the C++ core through ``Satrec`` and
``SatrecArray``). A malformed TLE raises :class:`~spacebridge.core.errors.MalformedInputError` carrying sgp4's own
message, which shows the punch-card template of the line. OMM is accepted as CelesTrak JSON, CSV or XML.

Frames: SGP4 gives TEME positions; they are turned into the terrestrial frame with the IAU-82 Greenwich mean
sidereal time of UT1 (as sgp4 and skyfield do; polar motion, below 10 m at the satellite, is ignored). The observer
is on the WGS84 ellipsoid. A satellite is sunlit unless the segment to the Sun's centre crosses the Earth's sphere
(R = 6378.137 km; no penumbra), the same test as skyfield's ``is_sunlit``.

Examples
--------
>>> cat = parse_catalog('''ISS (ZARYA)
... 1 25544U 98067A   26177.67101756  .00008101  00000+0  15268-3 0  9990
... 2 25544  51.6322 253.1475 0004299 235.1263 124.9322 15.49442433573225''')
>>> cat.norad_ids, cat.names
((25544,), ('ISS (ZARYA)',))
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import DegradedResultWarning, MalformedInputError

__all__ = ["EARTH_RADIUS_KM", "SatelliteCatalog", "gmst82_rad", "parse_catalog", "parse_omm", "parse_tle"]

FloatArray = npt.NDArray[np.float64]
EARTH_RADIUS_KM = 6378.137
_TLE_FORMAT_HINT = (
    "a TLE is an optional name line and two 69-column lines in the exact punch-card layout:\n"
    "1 NNNNNC NNNNNAAA NNNNN.NNNNNNNN +.NNNNNNNN +NNNNN-N +NNNNN-N N NNNNN\n"
    "2 NNNNN NNN.NNNN NNN.NNNN NNNNNNN NNN.NNNN NNN.NNNN NN.NNNNNNNNNNNNNN"
)


@dataclass(frozen=True, eq=False)
class SatelliteCatalog:
    """S satellites: names, NORAD ids and initialised ``sgp4.api.Satrec`` objects (in input order)."""

    names: tuple[str, ...]
    norad_ids: tuple[int, ...]
    satrecs: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self.satrecs)

    @property
    def epochs_jd(self) -> FloatArray:
        """Element-set epochs (UTC Julian dates)."""
        return np.array([s.jdsatepoch + s.jdsatepochF for s in self.satrecs])

    @property
    def mean_motion_rev_day(self) -> FloatArray:
        """Kozai mean motion (revolutions per day)."""
        return np.array([s.no_kozai * 1440.0 / (2 * np.pi) for s in self.satrecs])

    def subset(self, index: npt.ArrayLike) -> SatelliteCatalog:
        idx = np.atleast_1d(np.asarray(index))
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        return SatelliteCatalog(
            tuple(self.names[i] for i in idx),
            tuple(self.norad_ids[i] for i in idx),
            tuple(self.satrecs[i] for i in idx),
        )


def gmst82_rad(jd_ut1: npt.ArrayLike) -> FloatArray:
    """Greenwich mean sidereal time, IAU 1982 (Vallado 2006, ``gstime``, the convention of SGP4's TEME)."""
    tut1 = (np.asarray(jd_ut1, dtype=np.float64) - 2451545.0) / 36525.0
    seconds = -6.2e-6 * tut1**3 + 0.093104 * tut1**2 + (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841
    return np.mod(np.radians(seconds / 240.0), 2 * np.pi)


def _satrec_from_lines(line1: str, line2: str, where: str) -> Any:
    from sgp4.api import Satrec
    from sgp4.earth_gravity import wgs72
    from sgp4.io import twoline2rv, verify_checksum

    try:
        twoline2rv(line1, line2, wgs72)  # sgp4's strict format check (its message shows the template)
    except (ValueError, IndexError) as exc:
        raise MalformedInputError(
            f"malformed TLE {where}: {exc}", hint=_TLE_FORMAT_HINT, line1=line1, line2=line2
        ) from None
    try:
        verify_checksum(line1, line2)
    except ValueError as exc:
        warnings.warn(f"TLE {where}: {exc}", DegradedResultWarning, stacklevel=4)
    return Satrec.twoline2rv(line1, line2)


def parse_tle(text: str) -> SatelliteCatalog:
    """Parse two- or three-line element sets (CelesTrak style; ``0 NAME`` lines accepted).

    Raises
    ------
    MalformedInputError
        Empty input, a line that does not fit the TLE layout (sgp4's message, with the template), a line 1 without
        its line 2, or mismatched satellite numbers.
    """
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise MalformedInputError("the TLE catalogue is empty", hint=_TLE_FORMAT_HINT)
    names: list[str] = []
    ids: list[int] = []
    recs: list[Any] = []
    i = 0
    pending_name: str | None = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("1 ") and i + 1 < len(lines) and lines[i + 1].startswith("2 "):
            rec = _satrec_from_lines(line, lines[i + 1], f"at line {i + 1}")
            recs.append(rec)
            ids.append(int(rec.satnum))
            names.append(pending_name or str(rec.satnum))
            pending_name = None
            i += 2
            continue
        if line.startswith(("1 ", "2 ")):
            raise MalformedInputError(
                f"TLE line {i + 1} is not part of a line-1/line-2 pair: {line!r}", hint=_TLE_FORMAT_HINT, line=i + 1
            )
        if pending_name is not None:
            raise MalformedInputError(
                f"line {i} ({pending_name!r}) is followed by another name line instead of TLE line 1",
                hint=_TLE_FORMAT_HINT,
                line=i,
            )
        pending_name = line[2:].strip() if line.startswith("0 ") else line.strip()
        i += 1
    if pending_name is not None:
        raise MalformedInputError(f"the name line {pending_name!r} has no element lines", hint=_TLE_FORMAT_HINT)
    return SatelliteCatalog(tuple(names), tuple(ids), tuple(recs))


def parse_omm(records: Iterable[Mapping[str, Any]]) -> SatelliteCatalog:
    """Satellites from OMM records (CelesTrak JSON objects or CSV rows with the CCSDS OMM keywords)."""
    from sgp4 import omm
    from sgp4.api import Satrec

    names: list[str] = []
    ids: list[int] = []
    recs: list[Any] = []
    for n, fields in enumerate(records, start=1):
        if not isinstance(fields, Mapping):
            raise MalformedInputError(
                f"OMM record {n} is not an object of OMM keywords: {str(fields)[:80]!r}",
                hint="give a list of objects such as CelesTrak's FORMAT=json records",
                record=n,
            )
        try:
            rec = Satrec()
            omm.initialize(rec, {k: str(v) for k, v in fields.items()})
        except (KeyError, ValueError, TypeError) as exc:
            raise MalformedInputError(
                f"OMM record {n} is incomplete or malformed: {exc!r}",
                hint="each record needs OBJECT_NAME, OBJECT_ID, EPOCH, MEAN_MOTION, ECCENTRICITY, INCLINATION, "
                "RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY, NORAD_CAT_ID, BSTAR, MEAN_MOTION_DOT, "
                "MEAN_MOTION_DDOT, EPHEMERIS_TYPE, CLASSIFICATION_TYPE, ELEMENT_SET_NO, REV_AT_EPOCH",
                record=n,
            ) from None
        recs.append(rec)
        ids.append(int(fields["NORAD_CAT_ID"]))
        names.append(str(fields.get("OBJECT_NAME") or fields["NORAD_CAT_ID"]))
    if not recs:
        raise MalformedInputError("the OMM catalogue is empty")
    return SatelliteCatalog(tuple(names), tuple(ids), tuple(recs))


def parse_catalog(text: str) -> SatelliteCatalog:
    """TLE text, or OMM as JSON (list or single object), CSV (header line) or XML, detected from the content."""
    stripped = text.lstrip()
    if not stripped:
        raise MalformedInputError("the satellite catalogue is empty", hint=_TLE_FORMAT_HINT)
    if stripped[0] in "[{":
        try:
            doc = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise MalformedInputError(f"the OMM JSON cannot be parsed: {exc}") from None
        return parse_omm([doc] if isinstance(doc, dict) else doc)
    if stripped.startswith("<"):
        from xml.etree.ElementTree import ParseError

        from sgp4 import omm

        try:
            return parse_omm(list(omm.parse_xml(io.StringIO(stripped))))
        except (ParseError, AttributeError, TypeError) as exc:  # the last two: segments without metadata or data
            raise MalformedInputError(
                f"the OMM XML cannot be parsed: {exc}",
                hint="each <segment> needs <metadata> and <data> with <meanElements> and <tleParameters>",
            ) from None
    if stripped.split(",", 1)[0].strip().upper() in ("OBJECT_NAME", "CCSDS_OMM_VERS", "NORAD_CAT_ID"):
        return parse_omm(list(csv.DictReader(io.StringIO(stripped))))
    return parse_tle(text)
