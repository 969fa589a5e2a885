"""Cloud, shadow and snow masks: Sentinel-2 SCL, Landsat QA bits, s2cloudless, and buffering.

Every function returns a :class:`CloudMask`: a boolean ``valid`` array (``True`` = clear, usable observation) and
the description of how it was made, which analyses copy into their lineage (``CloudMask.describe()``).

References
----------
- Sentinel-2 Scene Classification (SCL) of Sen2Cor: ESA, *Sentinel-2 Level-2A Algorithm Theoretical Basis
  Document* (S2-PDGS-MPC-ATBD-L2A, v2.10) and *Sen2Cor Software Release Note / Product Specification* (table of the
  12 SCL classes, 0-11).
- Landsat Collection 2 ``QA_PIXEL``: USGS, *Landsat 8-9 Collection 2 Level-2 Science Product Guide* (LSDS-1619,
  v6, 2024), table "Pixel Quality Assessment (QA_PIXEL) Bit Index".
- Landsat 8 pre-collection ``BQA``: USGS, *Landsat 8 Pre-Collection Quality Assessment Band* (landsat.usgs.gov/
  qualityband, 2016) and *Landsat Quality Assessment (QA) Tools User Guide* v1.4 (2017), bits 0 fill, 1 dropped
  frame, 2 terrain occlusion, 4-5 water, 10-11 snow/ice, 12-13 cirrus, 14-15 cloud confidence, each 2-bit
  confidence being 0 not determined, 1 no (0-35 %), 2 maybe (36-64 %), 3 yes (65-100 %).
- s2cloudless: Zupanc, A. (2017) *Improving Cloud Detection with Machine Learning*, Sentinel Hub blog; the LightGBM
  model ships in the ``s2cloudless`` wheel (CC BY-SA 4.0) and works on Sentinel-2 **L1C** top-of-atmosphere
  reflectance. Recommended post-processing: ``average_over=4, dilation_size=2`` px at 60 m and ``22, 11`` px at
  10 m, i.e. about 220 m and 110 m, which is how the defaults here are expressed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spacebridge.core.errors import InvalidInputError, MissingBandError

__all__ = [
    "BQA_CONFIDENCE",
    "SCL_CLASSES",
    "SCL_INVALID_DEFAULT",
    "CloudMask",
    "bqa_precollection_mask",
    "buffer_mask",
    "combine_masks",
    "qa_pixel_mask",
    "s2cloudless_mask",
    "scl_mask",
    "scl_snow",
]

log = logging.getLogger(__name__)

#: Sen2Cor Scene Classification classes (L2A ATBD; class 2 is "topographic casted shadows" since Sen2Cor 2.8).
SCL_CLASSES: Mapping[int, str] = {
    0: "no_data",
    1: "saturated_or_defective",
    2: "dark_area_pixels",
    3: "cloud_shadows",
    4: "vegetation",
    5: "not_vegetated",
    6: "water",
    7: "unclassified",
    8: "cloud_medium_probability",
    9: "cloud_high_probability",
    10: "thin_cirrus",
    11: "snow",
}

#: SCL classes treated as not usable by default: no data, defective, cloud shadow, cloud (medium/high), cirrus,
#: snow. Dark areas (2) and unclassified (7) stay valid (see docs/decisions/0150-masks.md).
SCL_INVALID_DEFAULT: tuple[int, ...] = (0, 1, 3, 8, 9, 10, 11)

#: Two-bit confidence levels of the Landsat QA bands.
BQA_CONFIDENCE: Mapping[str, int] = {
    "not_determined": 0, "no": 1, "low": 1, "maybe": 2, "medium": 2, "yes": 3, "high": 3
}  # fmt: skip

# Collection 2 QA_PIXEL single bits (LSDS-1619 table 6-3).
_QA_FILL, _QA_DILATED, _QA_CIRRUS, _QA_CLOUD, _QA_SHADOW, _QA_SNOW, _QA_CLEAR, _QA_WATER = range(8)


@dataclass(frozen=True)
class CloudMask:
    """A validity mask and how it was made."""

    valid: xr.DataArray
    """``True`` where the observation is clear and usable."""
    method: str
    """``"scl"``, ``"qa_pixel"``, ``"bqa_precollection"``, ``"s2cloudless"``, ``"given"`` or a combination."""
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly record for the lineage (``Lineage.chosen["mask"]``)."""
        return {"method": self.method, **{k: _plain(v) for k, v in self.parameters.items()}}

    def clear_fraction(self) -> float:
        """Fraction of pixels marked valid (computes the mask)."""
        return float(self.valid.mean().values)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list | set | frozenset):
        return (
            [_plain(v) for v in sorted(value) if v is not None]
            if isinstance(value, set | frozenset)
            else [_plain(v) for v in value]
        )
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_classes(name: str, classes: Iterable[int], allowed: Iterable[int]) -> tuple[int, ...]:
    out = tuple(sorted({int(c) for c in classes}))
    bad = [c for c in out if c not in set(allowed)]
    if bad:
        raise InvalidInputError(
            f"{name} contains unknown class codes {bad}",
            hint=f"Use codes among {sorted(allowed)}",
            name=name,
            value=list(out),
        )
    return out


def scl_mask(
    scl: xr.DataArray,
    *,
    invalid_classes: Iterable[int] = SCL_INVALID_DEFAULT,
    keep_snow: bool = False,
) -> CloudMask:
    """Validity from the Sen2Cor Scene Classification layer.

    Parameters
    ----------
    scl
        SCL codes 0-11 (any integer or float dtype; NaN counts as no data).
    invalid_classes
        Codes treated as not usable (default :data:`SCL_INVALID_DEFAULT`).
    keep_snow
        Keep snow (class 11) valid, for snow analyses, whatever ``invalid_classes`` says.

    Examples
    --------
    >>> import xarray as xr
    >>> scl_mask(xr.DataArray([[4, 9, 11]])).valid.values.tolist()
    [[True, False, False]]
    >>> scl_mask(xr.DataArray([[4, 9, 11]]), keep_snow=True).valid.values.tolist()
    [[True, False, True]]
    """
    classes = set(_check_classes("invalid_classes", invalid_classes, SCL_CLASSES))
    if keep_snow:
        classes.discard(11)
    valid = scl.notnull() & ~scl.isin(sorted(classes))
    valid.name = "valid"
    params = {
        "invalid_classes": sorted(classes),
        "invalid_names": [SCL_CLASSES[c] for c in sorted(classes)],
        "keep_snow": keep_snow,
    }
    return CloudMask(valid, "scl", params)


def scl_snow(scl: xr.DataArray) -> xr.DataArray:
    """Snow from SCL: ``1`` snow (class 11), ``0`` clear non-snow land or water, NaN for cloud, shadow, no data.

    The unknown classes are those of :data:`SCL_INVALID_DEFAULT` other than snow.
    """
    unknown = scl.isnull() | scl.isin([c for c in SCL_INVALID_DEFAULT if c != 11])
    snow = xr.where(scl == 11, 1.0, 0.0).where(~unknown).astype("float32")
    snow.name = "snow"
    return snow


def _bits(qa: xr.DataArray, start: int, width: int = 1) -> xr.DataArray:
    if qa.dtype.kind not in "iu":
        raise InvalidInputError(
            f"QA band has dtype {qa.dtype}, expected an integer type",
            hint="Pass the QA band as read from the file (uint16), before any scaling or NaN filling",
            name="qa",
            value=str(qa.dtype),
        )
    return (qa.astype("uint32") >> start) & ((1 << width) - 1)


def _confidence(value: str | int, name: str) -> int:
    if isinstance(value, str):
        if value not in BQA_CONFIDENCE:
            raise InvalidInputError(
                f"{name}={value!r} is not a confidence level",
                hint=f"Use one of {sorted(BQA_CONFIDENCE)} or 1-3",
                name=name,
                value=value,
            )
        return BQA_CONFIDENCE[value]
    if value not in (1, 2, 3):
        raise InvalidInputError(f"{name}={value!r} is not 1, 2 or 3", hint="Use 1 low, 2 medium, 3 high", name=name)
    return int(value)


def qa_pixel_mask(
    qa: xr.DataArray,
    *,
    mask_dilated: bool = True,
    mask_cirrus: bool = True,
    mask_shadow: bool = True,
    mask_snow: bool = True,
    mask_water: bool = False,
) -> CloudMask:
    """Validity from the Landsat Collection 2 ``QA_PIXEL`` band (Level-1 and Level-2, Landsat 4-9).

    Bits (LSDS-1619): 0 fill, 1 dilated cloud, 2 cirrus (Landsat 8-9), 3 cloud, 4 cloud shadow, 5 snow,
    6 clear, 7 water. Fill and cloud are always invalid; the others as chosen.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> qa = xr.DataArray(np.array([[21824, 22280, 1, 23888]], dtype="uint16"))  # clear, cloud, fill, shadow
    >>> qa_pixel_mask(qa).valid.values.tolist()
    [[True, False, False, False]]
    """
    invalid = (_bits(qa, _QA_FILL) == 1) | (_bits(qa, _QA_CLOUD) == 1)
    flags = {
        "dilated_cloud": (mask_dilated, _QA_DILATED),
        "cirrus": (mask_cirrus, _QA_CIRRUS),
        "cloud_shadow": (mask_shadow, _QA_SHADOW),
        "snow": (mask_snow, _QA_SNOW),
        "water": (mask_water, _QA_WATER),
    }
    for use, bit in flags.values():
        if use:
            invalid = invalid | (_bits(qa, bit) == 1)
    valid = ~invalid
    valid.name = "valid"
    params = {"invalid_flags": ["fill", "cloud", *[k for k, (use, _) in flags.items() if use]]}
    return CloudMask(valid, "qa_pixel", params)


def bqa_precollection_mask(
    bqa: xr.DataArray,
    *,
    cloud_confidence: str | int = "yes",
    cirrus_confidence: str | int | None = "yes",
    snow_confidence: str | int | None = "yes",
) -> CloudMask:
    """Validity from the Landsat 8 **pre-collection** ``BQA`` band (products before Collection 1, 2013-2017).

    A pixel is invalid when it is designated fill (bit 0), a dropped frame (bit 1), terrain-occluded (bit 2), or
    when its cloud (bits 14-15), cirrus (12-13) or snow/ice (10-11) confidence reaches the given level
    (``"maybe"`` = 36-64 %, ``"yes"`` = 65-100 %); ``None`` ignores that condition.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> bqa = xr.DataArray(np.array([[20480, 61440, 23552, 1]], dtype="uint16"))  # clear, cloud, snow, fill
    >>> bqa_precollection_mask(bqa).valid.values.tolist()
    [[True, False, False, False]]
    """
    invalid = (_bits(bqa, 0) == 1) | (_bits(bqa, 1) == 1) | (_bits(bqa, 2) == 1)
    levels: dict[str, int | None] = {}
    for name, start, level in (
        ("cloud", 14, cloud_confidence),
        ("cirrus", 12, cirrus_confidence),
        ("snow_ice", 10, snow_confidence),
    ):
        if level is None:
            levels[name] = None
            continue
        threshold = _confidence(level, f"{name}_confidence")
        levels[name] = threshold
        invalid = invalid | (_bits(bqa, start, 2) >= threshold)
    valid = ~invalid
    valid.name = "valid"
    params = {"min_confidence": levels, "always_invalid": ["fill", "dropped_frame", "terrain_occlusion"]}
    return CloudMask(valid, "bqa_precollection", params)


#: s2cloudless model inputs, as STAC EO common names, in the model's order (B01 B02 B04 B05 B08 B8A B09 B10 B11 B12).
S2CLOUDLESS_BANDS: tuple[str, ...] = (
    "coastal",
    "blue",
    "red",
    "rededge071",
    "nir",
    "nir08",
    "nir09",
    "cirrus",
    "swir16",
    "swir22",
)


def s2cloudless_mask(
    l1c: xr.Dataset,
    *,
    pixel_size_m: float,
    threshold: float = 0.4,
    average_over_m: float = 220.0,
    dilation_m: float = 110.0,
    model_resolution_m: float = 60.0,
) -> tuple[CloudMask, xr.DataArray]:
    """Cloud mask and probability from the s2cloudless LightGBM model on Sentinel-2 L1C reflectance.

    Parameters
    ----------
    l1c
        Top-of-atmosphere reflectance (0-1, not x10^4) with the ten model bands as common names
        (:data:`S2CLOUDLESS_BANDS`) on one grid; NaN where invalid. **L1C only**: the model was trained on TOA
        reflectance; surface reflectance (L2A) biases it.
    pixel_size_m
        Ground pixel size, used to express the smoothing and dilation in metres.
    threshold
        Cloud probability threshold (s2cloudless default 0.4).
    average_over_m, dilation_m
        Radius of the probability smoothing disk and of the dilation disk (see module notes).
    model_resolution_m
        The model is evaluated on reflectance block-averaged to about this pixel size, and its probability
        repeated back onto the grid before smoothing, thresholding and dilation at full resolution. Three of the
        ten model inputs (B01, B09, B10) are 60 m bands, so 60 m is the model's effective resolution; evaluating
        it at 10 m costs 36 times more LightGBM predictions for no finer information. ``0`` disables it.

    Returns
    -------
    (CloudMask, probability) with probability in [0, 1], NaN where the input is invalid.
    """
    missing = [b for b in S2CLOUDLESS_BANDS if b not in l1c.data_vars]
    if missing:
        raise MissingBandError(
            f"s2cloudless needs the Sentinel-2 L1C bands {list(S2CLOUDLESS_BANDS)}; missing {missing}",
            hint="Load a Sentinel-2 L1C scene with all 13 bands, or use the SCL or QA masks instead",
            missing=missing,
        )
    if not pixel_size_m > 0:
        raise InvalidInputError(f"pixel_size_m={pixel_size_m!r} must be positive", name="pixel_size_m")
    from s2cloudless import S2PixelCloudDetector

    average_px = max(1, round(average_over_m / pixel_size_m))
    dilation_px = max(1, round(dilation_m / pixel_size_m))
    stack = np.stack([np.asarray(l1c[b].values, dtype="float32") for b in S2CLOUDLESS_BANDS], axis=-1)
    nodata = ~np.isfinite(stack).all(axis=-1)
    stack = np.nan_to_num(stack, nan=0.0)
    detector = S2PixelCloudDetector(
        threshold=threshold, all_bands=False, average_over=average_px, dilation_size=dilation_px
    )
    factor = max(1, round(model_resolution_m / pixel_size_m)) if model_resolution_m > 0 else 1
    prob = _coarse_probability(detector, stack, factor)
    cloud = detector.get_mask_from_prob(prob)[0].astype(bool)
    template = l1c[S2CLOUDLESS_BANDS[0]]
    prob_da = template.copy(data=np.where(nodata, np.nan, prob[0]).astype("float32"))
    prob_da.name = "cloud_probability"
    valid = template.copy(data=~cloud & ~nodata).astype(bool)
    valid.name = "valid"
    params = {
        "threshold": threshold,
        "average_over_px": average_px,
        "dilation_px": dilation_px,
        "model_block_px": factor,
        "model": "s2cloudless pixel_s2_cloud_detector_lightGBM_v0.1",
    }
    return CloudMask(valid, "s2cloudless", params), prob_da


def _coarse_probability(detector: Any, stack: np.ndarray, factor: int) -> np.ndarray:
    """Cloud probability ``(1, y, x)`` from the model run on ``factor x factor`` block means of ``stack``."""
    if factor == 1:
        return np.asarray(detector.get_cloud_probability_maps(stack[np.newaxis]))
    ny, nx, nb = stack.shape
    py, px = -ny % factor, -nx % factor
    padded = np.pad(stack, ((0, py), (0, px), (0, 0)), mode="edge")
    coarse = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor, nb).mean(axis=(1, 3))
    prob = detector.get_cloud_probability_maps(coarse[np.newaxis].astype("float32"))[0]
    full = np.repeat(np.repeat(prob, factor, axis=0), factor, axis=1)[:ny, :nx]
    return full[np.newaxis]


def buffer_mask(mask: CloudMask, *, buffer_m: float, pixel_size_m: float) -> CloudMask:
    """Grow the invalid area by ``buffer_m`` metres (a disk), to catch cloud edges and haze.

    Works on 2-D masks and on stacks whose last two dimensions are ``(y, x)``.
    """
    if buffer_m < 0 or not pixel_size_m > 0:
        raise InvalidInputError(
            f"buffer_m={buffer_m!r} and pixel_size_m={pixel_size_m!r} must be >= 0 and > 0",
            name="buffer_m",
            value=buffer_m,
        )
    radius = round(buffer_m / pixel_size_m)
    if radius == 0:
        return mask
    from scipy import ndimage
    from skimage.morphology import disk

    footprint = disk(radius).astype(bool)

    def grow(valid: np.ndarray) -> np.ndarray:
        invalid = ~valid.astype(bool)
        flat = invalid.reshape((-1, *invalid.shape[-2:]))
        grown = np.stack([ndimage.binary_dilation(a, structure=footprint) for a in flat])
        return ~grown.reshape(invalid.shape)

    valid = xr.apply_ufunc(
        grow,
        mask.valid,
        input_core_dims=[list(mask.valid.dims[-2:])],
        output_core_dims=[list(mask.valid.dims[-2:])],
        dask="parallelized",
        output_dtypes=[bool],
        dask_gufunc_kwargs={"allow_rechunk": True},
    )
    valid.name = "valid"
    return CloudMask(valid, mask.method, {**mask.parameters, "buffer_m": buffer_m, "buffer_px": radius})


def combine_masks(*masks: CloudMask) -> CloudMask:
    """Valid only where every mask is valid; the description lists each."""
    if not masks:
        raise InvalidInputError("combine_masks needs at least one mask", name="masks")
    valid = masks[0].valid
    for m in masks[1:]:
        valid = valid & m.valid
    valid.name = "valid"
    return CloudMask(valid, "+".join(m.method for m in masks), {"parts": [m.describe() for m in masks]})
