"""``map_flood``: water and flood mapping from optical and/or SAR scenes, pre-event scenes and a reference mask.

The steps, each in its own module:

1. speckle filtering of SAR backscatter (:mod:`.sar`, Lee 1980);
2. one scene-adaptive threshold per method, chosen on bimodal tiles with a static fallback (:mod:`.thresholds`,
   methods and fallbacks in :mod:`.methods`); all histograms are computed in one pass over the data;
3. per-method water membership and the GFM-style majority vote, likelihood and minimum mapping unit
   (:mod:`.ensemble`);
4. with a pre-event scene, change methods on the differences, and the flood/permanent classes (:mod:`.change`).

Inputs must share one pixel grid (same CRS, transform and shape): mixing grids is an error, not a silent
reprojection. The loader (``spacebridge.earth.load.open_scene(..., geobox=...)``) puts scenes on a common grid.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import (
    GridMismatchError,
    InvalidInputError,
    MissingBandError,
    NoValidDataError,
    PartialCoverageWarning,
    ThresholdFallbackWarning,
)
from spacebridge.core.memory import trim_memory
from spacebridge.earth.flood._fused import fused_maps
from spacebridge.earth.flood.change import classify_water
from spacebridge.earth.flood.ensemble import apply_min_area, ensemble_vote, water_membership
from spacebridge.earth.flood.methods import (
    CHANGE_OPTICAL,
    CHANGE_SAR,
    OPTICAL_MNDWI,
    OPTICAL_NDWI,
    SAR_VH,
    SAR_VV,
    MethodSpec,
)
from spacebridge.earth.flood.result import FloodParams, FloodResult, OpticalInput, SarInput
from spacebridge.earth.flood.sar import lee_filter_db
from spacebridge.earth.flood.thresholds import ThresholdChoice, choose_thresholds, tile_histograms

__all__ = ["map_flood"]

log = logging.getLogger(__name__)

_OPTICAL_SPECS = {"mndwi": OPTICAL_MNDWI, "ndwi": OPTICAL_NDWI}

_Candidate = tuple[MethodSpec, xr.DataArray, xr.DataArray]


def _valid(values: xr.DataArray, valid: xr.DataArray | None) -> xr.DataArray:
    ok = values.notnull()
    return ok if valid is None else ok & valid.astype(bool)


def _crs_of(da: xr.DataArray) -> str | None:
    if "spatial_ref" not in da.coords:
        return None
    attrs = da.coords["spatial_ref"].attrs
    wkt = attrs.get("crs_wkt") or attrs.get("spatial_ref")
    return str(wkt) if wkt else None


def _check_same_grid(arrays: Mapping[str, xr.DataArray]) -> None:
    items = list(arrays.items())
    if len(items) < 2:
        return
    ref_name, ref = items[0]
    for name, arr in items[1:]:
        crs_a, crs_b = _crs_of(ref), _crs_of(arr)
        same = ref.dims == arr.dims and ref.shape == arr.shape and (crs_a is None or crs_b is None or crs_a == crs_b)
        if same:
            for dim in ref.dims:
                if dim in ref.coords and dim in arr.coords:
                    a, b = np.asarray(ref.coords[dim], float), np.asarray(arr.coords[dim], float)
                    step = abs(float(a[1] - a[0])) if a.size > 1 else 1.0
                    same = same and a.shape == b.shape and bool(np.allclose(a, b, rtol=0.0, atol=step * 1e-3))
        if not same:
            raise GridMismatchError(
                f"inputs {ref_name!r} and {name!r} are not on the same pixel grid (shapes {ref.shape} and {arr.shape})",
                hint="Load every scene on one grid, e.g. open_scene(..., geobox=first_scene.data.odc.geobox), "
                "after checking that they share a CRS and overlap",
                first=ref_name,
                second=name,
                first_shape=list(ref.shape),
                second_shape=list(arr.shape),
            )


def _with_grid(da: xr.DataArray, ref: xr.DataArray | None) -> xr.DataArray:
    """Carry the grid coordinate (``spatial_ref`` with its CRS attributes) of an input over to a result."""
    if ref is not None:
        return da.assign_coords(spatial_ref=ref.coords["spatial_ref"])
    return da


def _optical_spec(opt: OpticalInput) -> MethodSpec:
    spec = _OPTICAL_SPECS.get(opt.index_name.lower())
    if spec is None:
        raise InvalidInputError(
            f"optical index_name={opt.index_name!r} is not a water index the flood mapping supports",
            hint="Use 'mndwi' (needs swir16) or 'ndwi' (green and nir)",
            name="index_name",
            value=opt.index_name,
        )
    return spec


def _sar_bands(sar: SarInput, params: FloodParams) -> dict[str, tuple[xr.DataArray, xr.DataArray]]:
    """Filtered backscatter and validity per polarisation present."""
    out: dict[str, tuple[xr.DataArray, xr.DataArray]] = {}
    for pol, band in (("vv", sar.vv_db), ("vh", sar.vh_db)):
        if band is None:
            continue
        valid = _valid(band, sar.valid)
        if params.speckle_filter:
            band = lee_filter_db(band, valid=valid, window_px=params.speckle_window_px, enl=params.enl)
            valid = valid & np.isfinite(band)
        out[pol] = (band, valid)
    if not out:
        raise MissingBandError(
            "the SAR input has neither a VV nor a VH band",
            hint="Give backscatter in dB as band 'vv' and/or 'vh' (use --bands to name them)",
        )
    return out


def _water_candidates(
    optical: OpticalInput | None, sar_bands: Mapping[str, tuple[xr.DataArray, xr.DataArray]]
) -> list[_Candidate]:
    cands: list[_Candidate] = []
    if optical is not None:
        cands.append((_optical_spec(optical), optical.index, _valid(optical.index, optical.valid)))
    specs = {"vv": SAR_VV, "vh": SAR_VH}
    cands.extend((specs[pol], band, valid) for pol, (band, valid) in sar_bands.items())
    return cands


def _change_candidates(
    optical: OpticalInput | None,
    pre_optical: OpticalInput | None,
    post_sar: Mapping[str, tuple[xr.DataArray, xr.DataArray]],
    pre_sar: Mapping[str, tuple[xr.DataArray, xr.DataArray]],
) -> list[_Candidate]:
    cands: list[_Candidate] = []
    if optical is not None and pre_optical is not None:
        if optical.index_name.lower() != pre_optical.index_name.lower():
            raise InvalidInputError(
                f"post-event index {optical.index_name!r} and pre-event index {pre_optical.index_name!r} differ",
                hint="Compute the same water index on both dates",
            )
        diff = optical.index - pre_optical.index
        valid = _valid(optical.index, optical.valid) & _valid(pre_optical.index, pre_optical.valid)
        cands.append((CHANGE_OPTICAL, diff.rename("d_index"), valid))
    if pre_sar:
        common = [pol for pol in ("vv", "vh") if pol in post_sar and pol in pre_sar]
        if not common:
            raise MissingBandError(
                f"the pre-event SAR scene has polarisations {sorted(pre_sar)}, the post-event one {sorted(post_sar)}",
                hint="Give both SAR scenes with at least one common polarisation (VV or VH)",
            )
        for pol in common:
            (post, post_ok), (pre, pre_ok) = post_sar[pol], pre_sar[pol]
            spec = replace(CHANGE_SAR, name=f"change-sar-{pol}", variable=f"post-pre {pol.upper()}")
            cands.append((spec, (post - pre).rename(f"d_{pol}_db"), post_ok & pre_ok))
    return cands


def _check_inputs(
    optical: OpticalInput | None,
    sar: SarInput | None,
    pre_optical: OpticalInput | None,
    pre_sar: SarInput | None,
    reference_water: xr.DataArray | None,
) -> None:
    if optical is None and sar is None:
        raise InvalidInputError(
            "no post-event scene was given", hint="Give an optical scene, a SAR scene or both (--optical / --sar)"
        )
    if pre_optical is not None and optical is None:
        raise InvalidInputError("a pre-event optical scene needs a post-event optical scene", hint="Add --optical")
    if pre_sar is not None and sar is None:
        raise InvalidInputError("a pre-event SAR scene needs a post-event SAR scene", hint="Add --sar")
    arrays: dict[str, xr.DataArray] = {}
    for role, opt in (("optical", optical), ("pre-optical", pre_optical)):
        if opt is not None:
            arrays[role] = opt.index
    for role, s in (("sar", sar), ("pre-sar", pre_sar)):
        if s is not None:
            arrays.update({f"{role} {p}": b for p, b in (("vv", s.vv_db), ("vh", s.vh_db)) if b is not None})
    if reference_water is not None:
        arrays["reference-water"] = reference_water
    _check_same_grid(arrays)


def _on_cluster() -> bool:
    """Whether a ``distributed`` client is the active scheduler."""
    if "distributed" not in sys.modules:  # no client without it (and importing it costs 0.2 s)
        return False
    try:
        from distributed import default_client

        default_client()
    except (ImportError, ValueError):
        return False
    return True


def _float16(values: xr.DataArray, valid: xr.DataArray) -> xr.DataArray:
    """``values.where(valid).astype(float16)`` in one step per block (:func:`~spacebridge.core.float16.to_float16`)."""
    from spacebridge.core.float16 import to_float16

    v: Any = values.data
    m: Any = valid.data
    if isinstance(v, np.ndarray) and isinstance(m, np.ndarray):
        data: Any = to_float16(v, m.astype(bool, copy=False))
    else:
        import dask.array as da

        v = da.asarray(v)
        data = da.map_blocks(
            to_float16, v, da.asarray(m).astype(bool).rechunk(v.chunks), dtype=np.float16, meta=np.array((), np.float16)
        )
    return values.copy(data=data)


def _compact(cands: list[_Candidate], params: FloodParams) -> tuple[list[_Candidate], list[np.ndarray] | None]:
    """The thresholded variables as float16 (NaN = invalid), kept in memory when lazy and small enough.

    Every path (numpy, lazy, persisted, tiled on a cluster) thresholds the same float16 values, so their maps are
    identical bit for bit. float16 keeps 11 significant bits: 0.0005 on water indices and at most 0.016 dB on
    backscatter in [-32, 32] dB, far below the histogram bins (0.005 and 0.1 dB) that choose the thresholds.
    Persisting means a dask-backed scene is read and filtered once instead of twice; the per-tile histograms that
    choose the thresholds are then computed in the same pass, from each block as it is made (the same histograms
    as a later pass over the persisted values, without reading them again). Returns the variables and, when
    persisted, their histograms.
    """
    import dask
    import dask.array as da

    compact = [_float16(v, m) for _, v, m in cands]
    lazy = any(isinstance(v.data, da.Array) for v in compact)
    nbytes = sum(2 * v.size for v in compact)
    # on a cluster the caller owns the graph (tiled jobs ship it whole): keep it lazy there
    auto = nbytes <= params.persist_max_bytes and not _on_cluster()
    wanted = params.persist if params.persist is not None else auto
    hists: list[np.ndarray] | None = None
    if lazy and wanted:
        graphs = [
            tile_histograms(k, None, tile_px=params.tile_px, spec=s)  # NaN where invalid
            for (s, _, _), k in zip(cands, compact, strict=True)
        ]
        done = dask.persist(*compact, *graphs)
        compact = list(done[: len(compact)])
        hists = [np.asarray(h) for h in done[len(compact) :]]
        trim_memory()
        log.info("persisted %d variables (%.0f MB) in memory", len(compact), nbytes / 1e6)
    return [(s, k, k.notnull()) for (s, _, _), k in zip(cands, compact, strict=True)], hists


def _thresholds(
    cands: list[_Candidate], params: FloodParams, warned: list[str], hists: list[np.ndarray] | None
) -> list[ThresholdChoice]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThresholdFallbackWarning)
        choices = choose_thresholds(
            [(v, m, s) for s, v, m in cands],
            tile_px=params.tile_px,
            min_ashman_d=params.min_ashman_d,
            min_class_fraction=params.min_class_fraction,
            fixed=params.thresholds,
            histograms=hists,
        )
    for w in caught:
        warned.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return choices


def _memberships(cands: list[_Candidate], choices: list[ThresholdChoice], warned: list[str]) -> dict[str, xr.DataArray]:
    out: dict[str, xr.DataArray] = {}
    for (spec, values, valid), choice in zip(cands, choices, strict=True):
        if choice.valid_px == 0:
            msg = f"{spec.name} has no valid pixel (all nodata or cloud); it does not vote"
            warned.append(msg)
            warnings.warn(msg, PartialCoverageWarning, stacklevel=3)
            continue
        out[spec.name] = water_membership(values, choice, valid=valid)
    return out


def _voting(cands: list[_Candidate], choices: list[ThresholdChoice]) -> list[tuple[xr.DataArray, ThresholdChoice]]:
    """The variables and thresholds of the methods that vote (those with a valid pixel, as in :func:`_memberships`)."""
    return [(values, choice) for (_, values, _), choice in zip(cands, choices, strict=True) if choice.valid_px > 0]


def _lazy_zeros(like: xr.DataArray) -> Any:
    import dask.array as da

    return da.zeros(like.shape, dtype=like.dtype, chunks=-1)


def _xarray_maps(
    memberships: Mapping[str, xr.DataArray],
    change_members: Mapping[str, xr.DataArray],
    reference_water: xr.DataArray | None,
    params: FloodParams,
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Extent, likelihood and classes with xarray (the reference the fused kernel equals, and its fallback)."""
    water, likelihood, _, _ = ensemble_vote(memberships)
    water = apply_min_area(water, min_area_px=params.min_area_px)
    changed = ensemble_vote(change_members)[0] if change_members else None
    classes = classify_water(water, changed=changed, reference_water=reference_water)
    return water, likelihood, classes


def map_flood(
    *,
    optical: OpticalInput | None = None,
    sar: SarInput | None = None,
    pre_optical: OpticalInput | None = None,
    pre_sar: SarInput | None = None,
    reference_water: xr.DataArray | None = None,
    params: FloodParams | None = None,
) -> FloodResult:
    """Map water and flood water from post-event optical and/or SAR scenes.

    Parameters
    ----------
    optical, sar
        Post-event scenes (at least one): a water index (MNDWI or NDWI) and/or VV/VH backscatter in dB.
    pre_optical, pre_sar
        Pre-event scenes on the same grid, for change detection (flood vs permanent water).
    reference_water
        Boolean mask of known permanent water on the same grid; removed from the flood.
    params
        Options (:class:`FloodParams`): minimum mapping unit, speckle filter, tile search, fixed thresholds.

    Returns
    -------
    FloodResult
        The extent, likelihood and class maps (lazy for dask inputs), the thresholds chosen and the warnings.

    Raises
    ------
    InvalidInputError
        No post-event scene, or a pre-event scene without its post-event counterpart.
    GridMismatchError
        Inputs on different grids.
    MissingBandError
        A SAR input without VV/VH, or pre/post SAR scenes without a common polarisation.
    NoValidDataError
        No valid pixel in any post-event input.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> vv = np.where(np.arange(256)[None, :] < 96, -22.0, -8.0) + rng.normal(0, 1.0, (256, 256))
    >>> res = map_flood(sar=SarInput(vv_db=xr.DataArray(vv.astype("float32"), dims=("y", "x"))))
    >>> -17 < res.thresholds[0].value < -13, abs(float((res.extent == 1).mean()) - 96 / 256) < 0.01
    (True, True)
    """
    params = params or FloodParams()
    _check_inputs(optical, sar, pre_optical, pre_sar, reference_water)
    with xr.set_options(keep_attrs=True):
        return _map_flood(optical, sar, pre_optical, pre_sar, reference_water, params)


def _map_flood(
    optical: OpticalInput | None,
    sar: SarInput | None,
    pre_optical: OpticalInput | None,
    pre_sar: SarInput | None,
    reference_water: xr.DataArray | None,
    params: FloodParams,
) -> FloodResult:
    warned: list[str] = []
    post_bands = _sar_bands(sar, params) if sar is not None else {}
    pre_bands = _sar_bands(pre_sar, params) if pre_sar is not None else {}
    water_cands = _water_candidates(optical, post_bands)
    change_cands = _change_candidates(optical, pre_optical, post_bands, pre_bands)
    persisted, hists = _compact(water_cands + change_cands, params)
    water_cands, change_cands = persisted[: len(water_cands)], persisted[len(water_cands) :]
    choices = _thresholds(water_cands + change_cands, params, warned, hists)
    water_choices, change_choices = choices[: len(water_cands)], choices[len(water_cands) :]
    if all(c.valid_px == 0 for c in water_choices):
        raise NoValidDataError(
            "no post-event input has a valid pixel (all nodata, all cloud or outside the swath)",
            hint="Check the scenes' footprints and cloud cover, or choose other scenes",
            inputs=[s.name for s, _, _ in water_cands],
        )
    memberships = _memberships(water_cands, water_choices, warned)
    change_members = _memberships(change_cands, change_choices, warned) if change_cands else {}
    fused = fused_maps(
        _voting(water_cands, water_choices),
        _voting(change_cands, change_choices),
        reference_water=reference_water,
        min_area_px=params.min_area_px,
    )
    if fused is None:
        water, likelihood, classes = _xarray_maps(memberships, change_members, reference_water, params)
    else:  # the same names, coordinates and attributes as the xarray path: built on lazy stand-ins, never computed
        stand_in = {k: m.copy(data=_lazy_zeros(m)) for k, m in memberships.items()}
        stand_in_change = {k: m.copy(data=_lazy_zeros(m)) for k, m in change_members.items()}
        templates = _xarray_maps(stand_in, stand_in_change, reference_water, params)
        water, likelihood, classes = (
            t.copy(data=d) for t, d in zip(templates, (fused.extent, fused.likelihood, fused.classes), strict=True)
        )
    log.info("flood mapping with methods %s, change methods %s", list(memberships), list(change_members))
    ref = next((v for _, v, _ in water_cands if _crs_of(v) is not None), None)
    return FloodResult(
        extent=_with_grid(water.rename("flood_extent"), ref),
        likelihood=_with_grid(likelihood.rename("flood_likelihood"), ref),
        classes=_with_grid(classes, ref),
        memberships={k: _with_grid(m, ref) for k, m in memberships.items()},
        thresholds=tuple(choices),
        methods=tuple(memberships),
        change_methods=tuple(change_members),
        params=params,
        warnings=tuple(warned),
        vote_counts=None if fused is None else fused.vote_counts,
    )
