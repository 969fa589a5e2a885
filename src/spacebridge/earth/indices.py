"""Spectral indices: the spyndex catalogue as data, evaluated by our own fused float32 engine.

The catalogue (Montero et al. 2023, "A standardized catalogue of spectral indices to advance the use of remote
sensing in Earth system research", Scientific Data 10:197; shipped with spyndex) gives each index's formula over
band letters (``N`` NIR, ``S1`` SWIR 1.6 um...) and its constants. Letters map to the STAC common names used by
our scenes (``N`` -> ``nir``, falling back to ``nir08`` on sensors whose only NIR band is the narrow one, e.g.
Landsat OLI; ``S1`` -> ``swir16``; ``VV`` -> ``vv``).

Formulas are never passed to ``eval``: :mod:`spacebridge.earth._expr` compiles them (AST allowlist) into a
cache-blocked float32 program. Inputs must already be physical values (reflectance, linear power) - the loader
applies scale and offset - except in :func:`compute_index_raw`, which decodes stored integers itself in the same
pass. Pixels where any input is NaN (invalid) are NaN in the result.

Catalogue corrections (checked by the tests against the papers): spyndex 0.12 gives
``AWEInsh = 4(G - S1) - 0.25 N + 2.75 S2``; Feyisa et al. (2014, Remote Sens. Environ. 140:23-35, eq. 1) define
``AWEInsh = 4 (G - S1) - (0.25 N + 2.75 S2)``. spyndex gives ``BAIM = 1/((0.05 - N)^2) + ((0.2 - S2)^2)``;
Martín et al. (2006, Serie Geográfica 12, and Forest Ecol. Manag.) define ``BAIM = 1 / ((0.05 - N)^2 +
(0.2 - S2)^2)``. Our entries carry the paper's formula and say so in :attr:`SpectralIndex.source`.

Example
-------
>>> import numpy as np
>>> from spacebridge.earth.indices import compute_index
>>> compute_index("NDVI", {"nir": np.array([0.5], np.float32), "red": np.array([0.1], np.float32)})
array([0.6666666], dtype=float32)
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from spacebridge.core.errors import (
    CapabilityError,
    GridMismatchError,
    InvalidInputError,
    MissingBandError,
    NotFoundError,
)
from spacebridge.earth import _expr

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "SpectralIndex",
    "compute_index",
    "compute_index_raw",
    "compute_indices",
    "get_index",
    "list_indices",
    "required_bands",
    "resolve_bands",
]

#: Catalogue entries we replace with the published formula, and why.
_OVERRIDES: Mapping[str, tuple[str, str]] = {
    "AWEInsh": (
        "4.0*(G-S1)-(0.25*N+2.75*S2)",
        "Feyisa, G.L. et al. (2014) Remote Sens. Environ. 140:23-35, eq. 1 (spyndex has +2.75*S2)",
    ),
    "AWEIsh": ("B+2.5*G-1.5*(N+S1)-0.25*S2", "Feyisa, G.L. et al. (2014) Remote Sens. Environ. 140:23-35, eq. 2"),
    "BAIM": (
        "1.0/((0.05-N)**2.0+(0.2-S2)**2.0)",
        "Martín, M.P. et al. (2006) Serie Geográfica 12:17-30 (spyndex misplaces the parentheses)",
    ),
}
_SAR_LETTERS = {"VV": "vv", "VH": "vh", "HH": "hh", "HV": "hv"}
_NIR_FALLBACK = ("nir", "nir08")


@dataclass(frozen=True)
class SpectralIndex:
    """One spectral index: its formula over catalogue band letters and its constants."""

    name: str
    long_name: str
    formula: str
    bands: tuple[str, ...]
    """Band letters the formula reads (``N``, ``R``, ``S1``, ``VV``...)."""
    params: Mapping[str, float | None] = field(default_factory=dict)
    """Constants with their catalogue defaults (``None``: the caller must give a value)."""
    domain: str = ""
    reference: str = ""
    source: str = "spyndex catalogue"


def _spyndex_data_dir() -> Path:
    spec = importlib.util.find_spec("spyndex")  # locate the data without importing spyndex (0.4 s, pulls pandas)
    if spec is None or not spec.submodule_search_locations:
        raise CapabilityError(
            "the spyndex package (spectral index catalogue) is not installed", hint="pip install spyndex"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.cache
def _catalogue() -> tuple[Mapping[str, SpectralIndex], Mapping[str, tuple[str, ...]]]:
    data = _spyndex_data_dir()
    raw = json.loads((data / "spectral-indices-dict.json").read_text())["SpectralIndices"]
    constants = json.loads((data / "constants.json").read_text())
    bands = json.loads((data / "bands.json").read_text())
    letters: dict[str, tuple[str, ...]] = {k: (v["common_name"],) for k, v in bands.items()}
    letters["N"] = _NIR_FALLBACK
    letters.update({k: (v,) for k, v in _SAR_LETTERS.items()})
    out: dict[str, SpectralIndex] = {}
    for name, entry in raw.items():
        formula, source = entry["formula"], "spyndex catalogue"
        if name in _OVERRIDES:
            formula, source = _OVERRIDES[name][0], f"spacebridge, from {_OVERRIDES[name][1]}"
        params = {b: constants[b]["default"] for b in entry["bands"] if b in constants}
        out[name] = SpectralIndex(
            name=name,
            long_name=entry["long_name"],
            formula=formula,
            bands=tuple(b for b in entry["bands"] if b not in constants),
            params=params,
            domain=entry["application_domain"],
            reference=entry["reference"],
            source=source,
        )
    return out, letters


def get_index(name: str) -> SpectralIndex:
    """The index called ``name`` (case-insensitive), with our corrections applied."""
    catalogue, _ = _catalogue()
    if name in catalogue:
        return catalogue[name]
    folded = {k.lower(): k for k in catalogue}
    if name.lower() in folded:
        return catalogue[folded[name.lower()]]
    close = difflib.get_close_matches(name, list(catalogue), n=5)
    raise NotFoundError(
        f"unknown spectral index {name!r}",
        hint=f"Did you mean {', '.join(close)}?" if close else "See list_indices() for the 280 known indices",
        index=name,
        close_matches=close,
    )


def required_bands(spec: SpectralIndex) -> tuple[str, ...]:
    """The common names an index needs; alternatives are joined by ``|`` (``"nir|nir08"``)."""
    _, letters = _catalogue()
    return tuple("|".join(letters.get(b, (b,))) for b in spec.bands)


def resolve_bands(spec: SpectralIndex, available: Collection[str]) -> dict[str, str] | None:
    """Map each band letter of ``spec`` to a name in ``available``, or ``None`` if one is missing.

    ``available`` may hold common names (``nir``) or catalogue letters (``N``); common names win.
    """
    _, letters = _catalogue()
    lower = {a.lower(): a for a in available}
    mapping: dict[str, str] = {}
    for letter in spec.bands:
        candidates = (*letters.get(letter, ()), letter)
        found = next((lower[c.lower()] for c in candidates if c.lower() in lower), None)
        if found is None:
            return None
        mapping[letter] = found
    return mapping


def list_indices(*, bands: Collection[str] | None = None, domain: str | None = None) -> tuple[str, ...]:
    """Names of catalogue indices, optionally only those computable from ``bands`` or in ``domain``."""
    catalogue, _ = _catalogue()
    return tuple(
        sorted(
            name
            for name, spec in catalogue.items()
            if (domain is None or spec.domain == domain) and (bands is None or resolve_bands(spec, bands) is not None)
        )
    )


def _params(
    spec: SpectralIndex, given: Mapping[str, float], wavelengths_nm: Mapping[str, float]
) -> dict[str, float | None]:
    unknown = sorted(set(given) - set(spec.params))
    if unknown:
        raise InvalidInputError(
            f"{spec.name} has no parameter {', '.join(unknown)}",
            hint=f"Its parameters are: {', '.join(spec.params) or 'none'}",
            index=spec.name,
            unknown=unknown,
        )
    values = {**{k: wavelengths_nm.get(k, v) for k, v in spec.params.items()}, **given}
    return {k: None if v is None else float(v) for k, v in values.items()}


def _missing(spec: SpectralIndex, available: Collection[str]) -> MissingBandError:
    need = required_bands(spec)
    return MissingBandError(
        f"{spec.name} needs bands {', '.join(need)}; the input has {', '.join(sorted(available)) or 'none'}",
        hint="Name the input bands by their STAC common names (blue, green, red, nir, swir16...) or pass "
        "--bands / bands={'nir': 'B8', ...} when loading",
        index=spec.name,
        needed=list(need),
        available=sorted(available),
    )


def _wavelengths_from_attrs(spec: SpectralIndex, mapping: Mapping[str, str], data: Any) -> dict[str, float]:
    """``lambdaN``-style parameters from the bands' ``center_wavelength_um`` attributes (set by the loader), nm."""
    out: dict[str, float] = {}
    for param in spec.params:
        letter = param[len("lambda") :] if param.startswith("lambda") else None
        if letter and letter in mapping:
            um = getattr(data[mapping[letter]], "attrs", {}).get("center_wavelength_um")
            if um:
                out[param] = float(um) * 1000.0
    return out


def _is_db(name: str, arr: Any, sar_units: str | None) -> bool:
    if name.lower() not in _SAR_LETTERS.values():
        return False
    if sar_units is not None:
        return sar_units.lower() == "db"
    units = str(getattr(arr, "attrs", {}).get("units", "dB"))
    return units.lower() == "db"


def compute_index(
    name: str,
    data: xr.Dataset | Mapping[str, Any],
    *,
    valid: Any = None,
    sar_units: Literal["db", "linear"] | None = None,
    wavelengths_nm: Mapping[str, float] | None = None,
    **params: float,
) -> Any:
    """Compute spectral index ``name`` from physical band values.

    Parameters
    ----------
    name
        Catalogue name (case-insensitive): ``NDVI``, ``NDWI``, ``MNDWI``, ``NBR``, ``AWEInsh``...
    data
        A loaded :class:`~spacebridge.earth.load.Scene` (its validity mask is applied), an ``xarray.Dataset``
        (dask-backed or not) or a mapping of band name to array / ``DataArray``. Bands are
        found by STAC common name (``nir``, ``swir16``) or by catalogue letter (``N``, ``S1``).
        Reflectance is unitless (0-1); SAR backscatter is taken in dB (our scenes' convention, or the
        ``units`` attribute of a DataArray) and converted to linear power for the formula.
    valid
        Optional boolean mask (same shape); the result is NaN where it is False.
    sar_units
        Force the unit of ``vv``/``vh``/``hh``/``hv`` inputs: ``"db"`` or ``"linear"``.
    wavelengths_nm
        Centre wavelengths for formulas that need them (``lambdaN``, ``lambdaR``...), in nm; by default read from
        the bands' ``center_wavelength_um`` attributes, which the loader sets from the sensor registry.
    **params
        Index constants (``L=0.5`` for SAVI, ``g``, ``C1``...); catalogue defaults otherwise.

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        float32, NaN where any input is invalid; a (lazy, if dask-backed) DataArray for xarray input.
    """
    spec = get_index(name)
    if hasattr(data, "valid") and hasattr(data, "sensor"):  # a loaded Scene: its bands and its validity mask
        scene: Any = data
        valid = scene.valid if valid is None else valid & scene.valid
        data = scene.data
    available = list(data.data_vars) if hasattr(data, "data_vars") else list(data)
    mapping = resolve_bands(spec, [str(a) for a in available])
    if mapping is None:
        raise _missing(spec, [str(a) for a in available])
    arrays = [data[mapping[letter]] for letter in spec.bands]
    db = [letter for letter, arr in zip(spec.bands, arrays, strict=True) if _is_db(mapping[letter], arr, sar_units)]
    wavelengths = {**_wavelengths_from_attrs(spec, mapping, data), **(wavelengths_nm or {})}
    program = _expr.compile_formula(spec.formula, spec.bands, _params(spec, params, wavelengths), db_inputs=db)
    if any(hasattr(a, "dims") for a in arrays):
        return _compute_xarray(spec, program, arrays, valid)
    out = _expr.evaluate(program, arrays)
    if valid is not None:
        out[~np.broadcast_to(np.asarray(valid, dtype=bool), out.shape)] = np.nan
    return out


def _compute_xarray(spec: SpectralIndex, program: _expr.Program, arrays: Sequence[Any], valid: Any) -> xr.DataArray:
    import xarray as xr

    das = [a if isinstance(a, xr.DataArray) else xr.DataArray(a) for a in arrays]
    try:
        das = list(xr.align(*das, join="exact"))
    except ValueError as exc:
        raise GridMismatchError(
            f"the bands of {spec.name} are not on the same grid: {exc}",
            hint="Load the bands onto one grid (open_scene(..., geobox=...)) or use align_to() first",
            index=spec.name,
        ) from exc

    def kernel(*blocks: np.ndarray) -> np.ndarray:
        return _expr.evaluate(program, blocks)

    # keep_attrs=True keeps the coordinates' attributes, among them ``spatial_ref``'s CRS, so the result keeps the
    # input's grid (``result.odc.geobox``); the variable's own attributes are replaced below.
    result = xr.apply_ufunc(kernel, *das, dask="parallelized", output_dtypes=[np.float32], keep_attrs=True)
    if valid is not None:
        result = result.where(valid)
    result.name = spec.name
    result.attrs = {
        "long_name": spec.long_name,
        "formula": spec.formula,
        "reference": spec.reference,
        "source": spec.source,
        "units": "1",
    }
    return result


def compute_indices(names: Sequence[str], data: xr.Dataset, **kwargs: Any) -> xr.Dataset:
    """Several indices at once, as a Dataset with one variable per index (lazy for dask input)."""
    import xarray as xr

    return xr.Dataset({get_index(n).name: compute_index(n, data, **kwargs) for n in names})


def _per_band(value: float | Mapping[str, float] | None, letter: str, key: str) -> float | None:
    if isinstance(value, Mapping):
        for k in (key, letter):
            if k in value:
                return value[k]
        return None
    return value


def compute_index_raw(
    name: str,
    bands: Mapping[str, np.ndarray],
    *,
    scale: float | Mapping[str, float] = 1.0,
    offset: float | Mapping[str, float] = 0.0,
    nodata: float | Mapping[str, float] | None = None,
    valid_min: float | Mapping[str, float] | None = None,
    valid_max: float | Mapping[str, float] | None = None,
    **params: float,
) -> np.ndarray:
    """Compute an index straight from stored (e.g. uint16) arrays: ``value = stored * scale + offset``.

    Decoding happens block by block inside the fused program (no full-size float copy of the inputs). Stored
    values equal to ``nodata`` or outside ``[valid_min, valid_max]`` (saturated) give NaN. Each option is a
    number for all bands or a mapping by band name.

    Example
    -------
    >>> import numpy as np
    >>> nir = np.array([30000, 0], np.uint16); red = np.array([10000, 9000], np.uint16)
    >>> compute_index_raw("NDVI", {"nir": nir, "red": red}, scale=2.75e-5, offset=-0.2, nodata=0)
    array([0.7857143,       nan], dtype=float32)
    """
    spec = get_index(name)
    mapping = resolve_bands(spec, list(bands))
    if mapping is None:
        raise _missing(spec, list(bands))
    arrays = [np.asarray(bands[mapping[letter]]) for letter in spec.bands]
    decodings = []
    for letter in spec.bands:
        key = mapping[letter]
        s = _per_band(scale, letter, key)
        o = _per_band(offset, letter, key)
        decodings.append(
            _expr.Decoding(
                1.0 if s is None else s,
                0.0 if o is None else o,
                _per_band(nodata, letter, key),
                _per_band(valid_min, letter, key),
                _per_band(valid_max, letter, key),
            )
        )
    program = _expr.compile_formula(spec.formula, spec.bands, _params(spec, params, {}))
    return _expr.evaluate(program, arrays, decodings)
