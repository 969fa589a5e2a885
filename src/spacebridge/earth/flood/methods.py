"""The water-detection methods: which variable, which side is water, the static fallback and its source.

Each method is one voter of the ensemble (:mod:`spacebridge.earth.flood.ensemble`). Static fallbacks are used only
when no bimodal tile is found (:mod:`spacebridge.earth.flood.thresholds`), and each is documented here:

- **NDWI** (McFeeters 1996, (green - nir) / (green + nir)) and **MNDWI** (Xu 2006, (green - swir16) /
  (green + swir16)): water is above the threshold; both papers define water as the positive values, so the static
  threshold is 0.0.
- **Sentinel-1 VH** (dB): water is below the threshold. Static value -21.6 dB: the median of the per-event Otsu VH
  thresholds published with Sen1Floods11 (Bonafilia et al. 2020, metadata of the 11 events other than Spain, whose
  scene we test on; values -23.06 to -19.56 dB).
- **Sentinel-1 VV** (dB): water is below the threshold. Static value -15.0 dB, the upper end of the range of VV
  thresholds for calm open water at C band (smooth water lies near -20 dB and below, most land above -12 dB;
  Martinis et al. 2015 and Twele et al. 2016 derive their thresholds per scene because no single value fits all
  scenes). It is a conservative project choice; the fallback is always reported.
- **SAR change** (post - pre, dB): a flood lowers backscatter; static value -3 dB, a halving of the backscattered
  power (a project choice; Chini et al. 2017 choose the change threshold per scene with the same HSBA search).
- **Optical change** (post - pre water index): static value +0.2, a project choice: a fifth of the index range
  between dry land (about -0.3) and open water (above +0.3) in Xu (2006).

Plausible ranges reject thresholds no water/land split can produce (e.g. an Otsu split between two kinds of land).

References
----------
Bonafilia, D., Tellman, B., Anderson, T., Issenberg, E. (2020). Sen1Floods11: a georeferenced dataset to train and
test deep learning flood algorithms for Sentinel-1. CVPR Workshops, 210-211.
Martinis, S., Kersten, J., Twele, A. (2015). A fully automated TerraSAR-X based flood service. ISPRS J. 104, 203-212.
McFeeters, S. K. (1996). The use of the Normalized Difference Water Index (NDWI) in the delineation of open water
features. IJRS 17(7), 1425-1432.
Twele, A., Cao, W., Plank, S., Martinis, S. (2016). Sentinel-1-based flood mapping: a fully automated processing
chain. IJRS 37(13), 2990-3004.
Xu, H. (2006). Modification of normalised difference water index (NDWI) to enhance open water features in remotely
sensed imagery. IJRS 27(14), 3025-3033.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "CHANGE_OPTICAL",
    "CHANGE_SAR",
    "METHODS",
    "OPTICAL_MNDWI",
    "OPTICAL_NDWI",
    "SAR_VH",
    "SAR_VV",
    "MethodSpec",
]


@dataclass(frozen=True)
class MethodSpec:
    """One thresholding method: its variable, histogram bins, water side and documented fallback."""

    name: str
    """Method id used in votes and lineage, e.g. ``"optical-mndwi"``, ``"sar-vv"``."""
    variable: str
    unit: str
    water_below: bool
    """True when water has values below the threshold."""
    fallback: float
    fallback_source: str
    plausible: tuple[float, float]
    """Thresholds outside ``[low, high]`` are rejected (fallback used)."""
    hist_min: float
    hist_max: float
    bin_width: float
    default_spread: float
    """Distance from the threshold to the water-class mean assumed when a class is empty (membership ramp)."""

    @property
    def nbins(self) -> int:
        return round((self.hist_max - self.hist_min) / self.bin_width)

    @property
    def centers(self) -> npt.NDArray[np.float64]:
        return self.hist_min + (np.arange(self.nbins, dtype=np.float64) + 0.5) * self.bin_width


OPTICAL_NDWI = MethodSpec(
    "optical-ndwi", "NDWI", "1", False, 0.0, "McFeeters 1996: water where NDWI > 0",
    (-0.3, 0.5), -1.0, 1.0, 0.005, 0.2,
)  # fmt: skip
OPTICAL_MNDWI = MethodSpec(
    "optical-mndwi", "MNDWI", "1", False, 0.0, "Xu 2006: water where MNDWI > 0",
    (-0.3, 0.5), -1.0, 1.0, 0.005, 0.2,
)  # fmt: skip
SAR_VV = MethodSpec(
    "sar-vv", "VV", "dB", True, -15.0, "conservative C-band VV value for calm open water, see methods.py",
    (-26.0, -10.0), -40.0, 10.0, 0.1, 3.0,
)  # fmt: skip
SAR_VH = MethodSpec(
    "sar-vh", "VH", "dB", True, -21.6, "median Otsu VH threshold of Sen1Floods11 events (Bonafilia et al. 2020)",
    (-32.0, -15.0), -45.0, 5.0, 0.1, 3.0,
)  # fmt: skip
CHANGE_SAR = MethodSpec(
    "change-sar", "post-pre backscatter", "dB", True, -3.0, "halving of backscatter, project choice, see methods.py",
    (-10.0, -1.0), -30.0, 30.0, 0.1, 2.0,
)  # fmt: skip
CHANGE_OPTICAL = MethodSpec(
    "change-optical", "post-pre water index", "1", False, 0.2, "project choice, see methods.py",
    (0.05, 1.0), -2.0, 2.0, 0.01, 0.2,
)  # fmt: skip

METHODS: dict[str, MethodSpec] = {
    m.name: m for m in (OPTICAL_NDWI, OPTICAL_MNDWI, SAR_VV, SAR_VH, CHANGE_SAR, CHANGE_OPTICAL)
}
"""All methods by id."""
