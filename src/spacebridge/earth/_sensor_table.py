"""The band tables of the sensor registry, with their sources (data only; see :mod:`spacebridge.earth.sensors`).

Centre wavelengths and full widths at half maximum are in micrometres. Where a source gives band edges only,
the centre is their midpoint and the width their difference (marked "edges" below).

Sources
-------
- Sentinel-2: ESA, Sentinel-2 Spectral Response Functions, COPE-GSEG-EOPG-TN-15-0007 v3.0 (S2A central
  wavelengths and bandwidths); Sentinel-2 User Handbook (resolutions); S2 PSD v14.9 (nodata 0, saturated 65535,
  quantification value 10000). Asset keys: Earth Search v1 (``coastal``, ``rededge1``...), Planetary Computer
  (``B01``...), CDSE STAC (``B02_10m``...).
- Landsat 8/9 Collection 2 Level-2: USGS, Landsat 8-9 Collection 2 Level 2 Science Product Guide (LSDS-1619):
  SR scale 0.0000275, offset -0.2, fill 0, valid range 7273-43636; ST_B10 scale 0.00341802, offset 149.0 K.
  Band edges: USGS Landsat 8 Data Users Handbook (LSDS-1574). Asset keys: Earth Search and Planetary Computer.
- Landsat 8/9 OLI Level-1: same handbook, section 5.1 (TOA reflectance from the MTL rescaling factors).
- OPERA DSWx-HLS v1.0: JPL, OPERA Dynamic Surface Water Extent from HLS Product Specification (JPL D-107395):
  layer WTR, uint8 classes 0 not water, 1 open water, 2 partial surface water, 252 snow/ice, 253 cloud/shadow,
  254 ocean masked, 255 fill. Planetary Computer does not host it; NASA CMR-STAC (LPCLOUD) does.
- Sentinel-1 GRD: ESA Sentinel-1 User Handbook (IW GRD high resolution 10 m pixel spacing).
- MODIS: NASA MODIS band specifications (modis.gsfc.nasa.gov/about/specifications.php, edges);
  MOD13Q1 v061: Didan et al. (2015) MODIS Vegetation Index User's Guide v3.00 (scale 0.0001; VI fill -3000,
  valid -2000..10000; reflectance fill -1000, valid 0..10000); MOD09A1 v061: Vermote (2015) MOD09 User's Guide
  v1.4 (scale 0.0001, fill -28672, valid -100..16000). Asset keys: Planetary Computer ``modis-13Q1-061``,
  ``modis-09A1-061``.
- SPOT 6/7: Airbus Defence and Space, SPOT 6 & SPOT 7 Imagery User Guide (2013), section 1.2 (edges; 1.5 m pan,
  6 m multispectral products). DIMAP band ids B0 blue, B1 green, B2 red, B3 NIR.
- Pléiades 1A/1B: Airbus Defence and Space, Pléiades Imagery User Guide (2012), section 1.2 (edges; 0.5 m pan,
  2 m multispectral products). Same DIMAP band ids.
- KazEOSat-1 (DZZ-HR, Airbus AstroSat-1000 platform): eoPortal mission page "KazEOSat-1" (1 m pan, 4 m MS,
  blue/green/red/NIR); edges as the sensor's NAOMI-family siblings SPOT 6/7 (assumption, check the DIMAP file).
- KazEOSat-2 (DZZ-MR, SSTL-150, KEIS imager): eoPortal mission page "KazEOSat-2" (6.5 m, 5 bands with red edge:
  0.44-0.51, 0.52-0.59, 0.63-0.685, 0.69-0.73, 0.76-0.85 um).

Reflectance products of the Airbus-family sensors (SPOT, Pléiades, KazEOSat) store reflectance x 10000 when
ordered with ``RADIOMETRIC_PROCESSING=REFLECTANCE``; for ``BASIC`` (DN) products the gains of the DIMAP file must
be given to the loader.
"""

from __future__ import annotations

from dataclasses import replace

from spacebridge.earth.sensors import Band, Sensor


def _b(
    template: Band,
    name: str,
    common: str | None,
    centre_um: float | None,
    fwhm_um: float | None,
    res_m: float,
    aliases: tuple[str, ...] = (),
) -> Band:
    """A band with the radiometry of ``template``."""
    return replace(
        template,
        name=name,
        common_name=common,
        center_wavelength_um=centre_um,
        full_width_half_max_um=fwhm_um,
        resolution_m=res_m,
        aliases=aliases,
    )


_S2_REFL = Band("", None, None, None, 0, scale=1e-4, nodata=0.0, valid_min=1.0, valid_max=65534.0)

#   name   common        centre   fwhm    res  Earth Search  file descriptions
_S2_ROWS = (
    ("B01", "coastal", 0.4427, 0.021, 60, ("coastal", "B1", "B01_60m")),
    ("B02", "blue", 0.4924, 0.066, 10, ("blue", "B2", "B02_10m", "B02_20m", "B02_60m")),
    ("B03", "green", 0.5598, 0.036, 10, ("green", "B3", "B03_10m", "B03_20m", "B03_60m")),
    ("B04", "red", 0.6646, 0.031, 10, ("red", "B4", "B04_10m", "B04_20m", "B04_60m")),
    ("B05", "rededge071", 0.7041, 0.015, 20, ("rededge1", "rededge", "B5", "B05_20m", "B05_60m")),
    ("B06", "rededge075", 0.7405, 0.015, 20, ("rededge2", "B6", "B06_20m", "B06_60m")),
    ("B07", "rededge078", 0.7828, 0.020, 20, ("rededge3", "B7", "B07_20m", "B07_60m")),
    ("B08", "nir", 0.8328, 0.106, 10, ("B8", "B08_10m")),
    ("B8A", "nir08", 0.8647, 0.021, 20, ("B08A", "B8A_20m", "B8A_60m")),
    ("B09", "nir09", 0.9451, 0.020, 60, ("B9", "B09_60m")),
    ("B10", "cirrus", 1.3735, 0.031, 60, ("B10",)),
    ("B11", "swir16", 1.6137, 0.091, 20, ("B11_20m", "B11_60m")),
    ("B12", "swir22", 2.2024, 0.175, 20, ("B12_20m", "B12_60m")),
)


def _s2_bands(level: str) -> tuple[Band, ...]:
    rows = _S2_ROWS if level == "L1C" else tuple(r for r in _S2_ROWS if r[0] != "B10")
    bands = [_b(_S2_REFL, n, c, w, f, r, a) for n, c, w, f, r, a in rows]
    if level == "L2A":
        bands.append(Band("SCL", None, None, None, 20, ("scl", "SCL_20m", "SCL_60m"), kind="qa", nodata=0.0))
    return tuple(bands)


_S2_REFS = (
    "ESA, Sentinel-2 Spectral Response Functions, COPE-GSEG-EOPG-TN-15-0007 v3.0",
    "ESA, Sentinel-2 Products Specification Document, S2-PDGS-TAS-DI-PSD v14.9",
)

_LS_SR = Band("", None, None, None, 0, scale=2.75e-5, offset=-0.2, nodata=0.0, valid_min=7273.0, valid_max=43636.0)
_LS_ROWS = (
    ("SR_B1", "coastal", 0.443, 0.020, ("coastal", "B1")),
    ("SR_B2", "blue", 0.4825, 0.065, ("blue", "B2")),
    ("SR_B3", "green", 0.5625, 0.075, ("green", "B3")),
    ("SR_B4", "red", 0.655, 0.050, ("red", "B4")),
    ("SR_B5", "nir08", 0.865, 0.040, ("nir08", "nir", "B5")),
    ("SR_B6", "swir16", 1.610, 0.100, ("swir16", "B6")),
    ("SR_B7", "swir22", 2.200, 0.200, ("swir22", "B7")),
)
_LS_REFS = (
    "USGS, Landsat 8-9 Collection 2 Level 2 Science Product Guide, LSDS-1619",
    "USGS, Landsat 8 Data Users Handbook, LSDS-1574",
)

_L1_ROWS = (
    ("B1", "coastal", 0.443, 0.020),
    ("B2", "blue", 0.4825, 0.065),
    ("B3", "green", 0.5625, 0.075),
    ("B4", "red", 0.655, 0.050),
    ("B5", "nir08", 0.865, 0.040),
    ("B6", "swir16", 1.610, 0.100),
    ("B7", "swir22", 2.200, 0.200),
    ("B9", "cirrus", 1.375, 0.030),
)

_MODIS_ROWS = (  # band, common, centre (edges), width
    ("b01", "red", 0.645, 0.050),
    ("b02", "nir08", 0.8585, 0.035),
    ("b03", "blue", 0.469, 0.020),
    ("b04", "green", 0.555, 0.020),
    ("b05", None, 1.240, 0.020),
    ("b06", "swir16", 1.640, 0.024),
    ("b07", "swir22", 2.130, 0.050),
)
_MODIS_REF = "NASA, MODIS specifications, modis.gsfc.nasa.gov/about/specifications.php"

_MOD13_REFL = Band("", None, None, None, 0, scale=1e-4, nodata=-1000.0, valid_min=0.0, valid_max=10000.0)
_MOD13_VI = Band(
    "", None, None, None, 0, kind="index", scale=1e-4, nodata=-3000.0, valid_min=-2000.0, valid_max=10000.0
)
_MOD09 = Band("", None, None, None, 0, scale=1e-4, nodata=-28672.0, valid_min=-100.0, valid_max=16000.0)
_Q = _MODIS_Q_RES = 231.656
_MODIS_H_RES = 463.313


def _vhr(
    pan: tuple[float, float],
    blue: tuple[float, float],
    green: tuple[float, float],
    red: tuple[float, float],
    nir: tuple[float, float],
    *,
    pan_m: float,
    ms_m: float,
) -> tuple[Band, ...]:
    """Pan + 4 multispectral bands of an Airbus-family sensor from band edges (um)."""
    refl = Band("", None, None, None, 0, scale=1e-4, nodata=0.0)
    rows = (
        ("B0", "blue", blue, ms_m),
        ("B1", "green", green, ms_m),
        ("B2", "red", red, ms_m),
        ("B3", "nir", nir, ms_m),
    )
    return tuple(
        _b(refl, n, c, round((lo + hi) / 2, 4), round(hi - lo, 4), res, (c, n.replace("B", "band"), n.upper()))
        for n, c, (lo, hi), res in (*rows, ("P", "pan", pan, pan_m))
    )


SENSORS: tuple[Sensor, ...] = (
    Sensor(
        "sentinel-2-l1c",
        "Sentinel-2 MSI Level-1C",
        ("sentinel-2a", "sentinel-2b", "sentinel-2c"),
        "msi",
        "L1C",
        "toa_reflectance",
        _s2_bands("L1C"),
        "sentinel-2-baseline",
        (("earth-search", "sentinel-2-l1c"), ("cdse", "sentinel-2-l1c")),
        _S2_REFS,
    ),
    Sensor(
        "sentinel-2-l2a",
        "Sentinel-2 MSI Level-2A",
        ("sentinel-2a", "sentinel-2b", "sentinel-2c"),
        "msi",
        "L2A",
        "surface_reflectance",
        _s2_bands("L2A"),
        "sentinel-2-baseline",
        (("earth-search", "sentinel-2-l2a"), ("planetary-computer", "sentinel-2-l2a"), ("cdse", "sentinel-2-l2a")),
        _S2_REFS,
    ),
    Sensor(
        "landsat-c2-l2",
        "Landsat 8/9 OLI Collection 2 Level-2",
        ("landsat-8", "landsat-9"),
        "oli",
        "L2SP",
        "surface_reflectance",
        (
            *(_b(_LS_SR, n, c, w, f, 30, a) for n, c, w, f, a in _LS_ROWS),
            Band(
                "ST_B10",
                "lwir11",
                10.895,
                0.590,
                30,
                ("lwir11", "lwir", "B10"),
                kind="temperature",
                scale=0.00341802,
                offset=149.0,
                nodata=0.0,
                unit="K",
            ),
            Band("QA_PIXEL", None, None, None, 30, ("qa_pixel",), kind="qa", nodata=1.0),
        ),
        "fixed",
        (("earth-search", "landsat-c2-l2"), ("planetary-computer", "landsat-c2-l2")),
        _LS_REFS,
    ),
    Sensor(
        "landsat-oli-l1",
        "Landsat 8/9 OLI Level-1 (TOA reflectance from the MTL)",
        ("landsat-8", "landsat-9"),
        "oli",
        "L1",
        "toa_reflectance",
        (
            *(Band(n, c, w, f, 30, (n,), nodata=0.0, valid_min=1.0, valid_max=65534.0) for n, c, w, f in _L1_ROWS),
            Band("BQA", None, None, None, 30, ("QA", "qa_pixel", "QA_PIXEL"), kind="qa", nodata=1.0),
        ),
        "landsat-l1-mtl",
        (("earth-search", "landsat-c2-l1"), ("planetary-computer", "landsat-c2-l1")),
        _LS_REFS,
    ),
    Sensor(
        "sentinel-1-grd",
        "Sentinel-1 C-SAR GRD backscatter (calibrated, dB)",
        ("sentinel-1a", "sentinel-1b", "sentinel-1c"),
        "c-sar",
        "GRD",
        "sigma0_db",
        tuple(
            Band(p.upper(), p, None, None, 10, (p.upper(),), kind="sar", unit="dB") for p in ("vv", "vh", "hh", "hv")
        ),
        "sar",
        (("earth-search", "sentinel-1-grd"), ("planetary-computer", "sentinel-1-rtc"), ("cdse", "sentinel-1-grd")),
        ("ESA, Sentinel-1 User Handbook (2013)", "ESA, Sentinel-1 Product Specification S1-RS-MDA-52-7441 v3.9"),
    ),
    Sensor(
        "modis-mod13q1",
        "MODIS Terra MOD13Q1 v061 16-day vegetation indices (250 m)",
        ("terra",),
        "modis",
        "L3",
        "vegetation_index",
        (
            _b(_MOD13_REFL, "red_reflectance", "red", 0.645, 0.050, _Q, ("250m_16_days_red_reflectance", "b01")),
            _b(_MOD13_REFL, "NIR_reflectance", "nir08", 0.8585, 0.035, _Q, ("250m_16_days_NIR_reflectance", "b02")),
            _b(_MOD13_REFL, "blue_reflectance", "blue", 0.469, 0.020, _Q, ("250m_16_days_blue_reflectance", "b03")),
            _b(_MOD13_REFL, "MIR_reflectance", "swir22", 2.130, 0.050, _Q, ("250m_16_days_MIR_reflectance", "b07")),
            _b(_MOD13_VI, "NDVI", None, None, None, _Q, ("250m_16_days_NDVI",)),
            _b(_MOD13_VI, "EVI", None, None, None, _Q, ("250m_16_days_EVI",)),
            Band(
                "pixel_reliability",
                None,
                None,
                None,
                _MODIS_Q_RES,
                ("250m_16_days_pixel_reliability",),
                kind="qa",
                nodata=-1.0,
            ),
        ),
        "fixed",
        (("planetary-computer", "modis-13Q1-061"),),
        ("Didan, K. et al. (2015) MODIS Vegetation Index User's Guide (MOD13 Series) v3.00", _MODIS_REF),
    ),
    Sensor(
        "modis-mod09",
        "MODIS Terra MOD09A1 v061 8-day surface reflectance (500 m)",
        ("terra",),
        "modis",
        "L3",
        "surface_reflectance",
        tuple(
            _b(_MOD09, n, c, w, f, _MODIS_H_RES, (f"sur_refl_{n}", n.upper(), f"sur_refl_b{n[-1]}"))
            for n, c, w, f in _MODIS_ROWS
        ),
        "fixed",
        (("planetary-computer", "modis-09A1-061"),),
        ("Vermote, E. (2015) MOD09 (Surface Reflectance) User's Guide v1.4", _MODIS_REF),
    ),
    Sensor(
        "kazeosat-1",
        "KazEOSat-1 (DZZ-HR)",
        ("kazeosat-1",),
        "kazeosat-1-imager",
        "ortho",
        "toa_reflectance",
        _vhr((0.45, 0.745), (0.45, 0.52), (0.53, 0.59), (0.625, 0.695), (0.76, 0.89), pan_m=1.0, ms_m=4.0),
        "fixed",
        (),
        ("eoPortal, KazEOSat-1 mission page (www.eoportal.org/satellite-missions/kazeosat-1)",),
    ),
    Sensor(
        "kazeosat-2",
        "KazEOSat-2 (DZZ-MR)",
        ("kazeosat-2",),
        "keis",
        "ortho",
        "toa_reflectance",
        tuple(
            Band(n, c, round((lo + hi) / 2, 4), round(hi - lo, 4), 6.5, (c,), scale=1e-4, nodata=0.0)
            for n, c, lo, hi in (
                ("B1", "blue", 0.44, 0.51),
                ("B2", "green", 0.52, 0.59),
                ("B3", "red", 0.63, 0.685),
                ("B4", "rededge071", 0.69, 0.73),
                ("B5", "nir", 0.76, 0.85),
            )
        ),
        "fixed",
        (),
        ("eoPortal, KazEOSat-2 mission page (www.eoportal.org/satellite-missions/kazeosat-2)",),
    ),
    Sensor(
        "spot-6-7",
        "SPOT 6/7 NAOMI",
        ("spot-6", "spot-7"),
        "naomi",
        "ortho",
        "toa_reflectance",
        _vhr((0.45, 0.745), (0.45, 0.52), (0.53, 0.59), (0.625, 0.695), (0.76, 0.89), pan_m=1.5, ms_m=6.0),
        "fixed",
        (),
        ("Airbus Defence and Space, SPOT 6 & SPOT 7 Imagery User Guide (2013)",),
    ),
    Sensor(
        "pleiades",
        "Pléiades 1A/1B HiRI",
        ("pleiades-1a", "pleiades-1b"),
        "hiri",
        "ortho",
        "toa_reflectance",
        _vhr((0.47, 0.83), (0.43, 0.55), (0.50, 0.62), (0.59, 0.71), (0.74, 0.94), pan_m=0.5, ms_m=2.0),
        "fixed",
        (),
        ("Airbus Defence and Space, Pléiades Imagery User Guide (2012)",),
    ),
    Sensor(
        "opera-dswx-hls",
        "OPERA DSWx-HLS v1 water classification (30 m)",
        ("landsat-8", "landsat-9", "sentinel-2a", "sentinel-2b"),
        "hls",
        "L3",
        "classification",
        (
            Band(
                "WTR",
                None,
                None,
                None,
                30,
                ("B01_WTR", "Water classification (WTR)", "wtr"),
                kind="class",
                nodata=255.0,
            ),
        ),
        "fixed",
        (("nasa-cmr", "OPERA_L3_DSWX-HLS_V1"),),
        ("JPL, OPERA DSWx-HLS Product Specification, JPL D-107395",),
    ),
)
