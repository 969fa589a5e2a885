"""Cloud-masked monthly median composite over a 24-date stack of 4096 x 4096 px, against xarray's median.

The stack is built in a temporary folder from the real bundled scenes: the eight pre/post-fire Sentinel-2 L2A
chips (bands B2 B3 B4 B8, reflectance x 10^4) tiled to 4096 x 4096 with a random shift per date, and the real
eo-learn cloud masks (CLM) of the Slovenian series tiled the same way; 24 dates, two per month over 2024, as
tiled ZSTD GeoTIFFs (uint16 bands, uint8 mask). Both ours and the baseline read the same files lazily with
rioxarray (dask chunks of 512 x 512, all dates), apply the same scale and mask, and stream the 12 monthly
composites to a Zarr store; only the reduction differs: ``earth.composite.median_composite`` vs xarray's
``.resample(time="1MS").median()``. Dask threaded scheduler, 2 workers.

Throughput is reported per core, counting input pixels as dates x rows x columns (one pixel = one location on
one date, all four bands) and, separately, as band-values.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import rasterio
import xarray as xr
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure, report  # noqa: E402

from spacebridge.earth.composite import median_composite  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
SIZE = 4096
N_DATES = 24
BANDS = ("B2", "B3", "B4", "B8")
CHUNK = 512
WORKERS = 2


def _tile(chip: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    reps = (SIZE // chip.shape[-2] + 2, SIZE // chip.shape[-1] + 2)
    big = np.tile(chip, (1,) * (chip.ndim - 2) + reps)
    dy, dx = shift
    return big[..., dy : dy + SIZE, dx : dx + SIZE]


def build_stack(folder: Path) -> list[tuple[pd.Timestamp, Path, Path]]:
    rng = np.random.default_rng(42)
    chips = []
    for kind in ("pre_fire", "post_fire"):
        for path in sorted((DATA / "fire-california" / kind).glob("*.tif")):
            with rasterio.open(path) as src:
                names = list(src.descriptions)
                chips.append(np.stack([src.read(names.index(b) + 1) for b in BANDS]).astype("uint16"))
    clm = np.load(DATA / "timeseries-slovenia" / "TestEOPatch" / "mask" / "CLM.npy")[..., 0].astype(bool)
    clm = clm[clm.mean(axis=(1, 2)) < 0.9]  # dates that are not fully clouded
    dates = pd.date_range("2024-01-01", periods=12, freq="MS")
    times = [d + pd.Timedelta(days=days) for d in dates for days in (4, 19)]
    transform = from_origin(500_000, 5_000_000, 10, 10)
    profile = {
        "driver": "GTiff", "width": SIZE, "height": SIZE, "crs": "EPSG:32633", "transform": transform,
        "tiled": True, "blockxsize": CHUNK, "blockysize": CHUNK, "compress": "zstd", "zstd_level": 1,
        "predictor": 2,
    }  # fmt: skip
    out = []
    for i, t in enumerate(times):
        shift = tuple(int(v) for v in rng.integers(0, 200, 2))
        bands = _tile(chips[i % len(chips)], shift)
        cloud = _tile(clm[i % len(clm)], shift)
        valid = (~cloud).astype("uint8")
        bpath, mpath = folder / f"scene_{i:02d}.tif", folder / f"mask_{i:02d}.tif"
        with rasterio.open(bpath, "w", count=len(BANDS), dtype="uint16", nodata=0, **profile) as dst:
            dst.write(bands)
            dst.descriptions = BANDS
        with rasterio.open(mpath, "w", count=1, dtype="uint8", **profile) as dst:
            dst.write(valid[np.newaxis])
        out.append((t, bpath, mpath))
    return out


def open_stack(files: list[tuple[pd.Timestamp, Path, Path]]) -> tuple[xr.Dataset, xr.DataArray]:
    import rioxarray

    chunks = {"band": -1, "y": CHUNK, "x": CHUNK}
    scenes = [rioxarray.open_rasterio(b, chunks=chunks, lock=False, masked=True) for _, b, _ in files]
    masks = [rioxarray.open_rasterio(m, chunks=chunks, lock=False).isel(band=0, drop=True) for _, _, m in files]
    times = pd.DatetimeIndex([t for t, _, _ in files], name="time")
    stack = xr.concat(scenes, dim=times).astype("float32") * np.float32(1e-4)
    ds = xr.Dataset({b: stack.sel(band=i + 1, drop=True) for i, b in enumerate(BANDS)})
    valid = xr.concat(masks, dim=times).astype(bool)
    return ds, valid


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-composite-"))
    try:
        files = build_stack(tmp)
        ds, valid = open_stack(files)
        n_pixels = N_DATES * SIZE * SIZE
        n_values = n_pixels * len(BANDS)

        def ours() -> None:
            comp = median_composite(ds, valid=valid, period="1MS")
            comp.data.to_zarr(tmp / "ours.zarr", mode="w", consolidated=False)

        def baseline() -> None:
            med = ds.where(valid).resample(time="1MS").median()
            med.to_zarr(tmp / "baseline.zarr", mode="w", consolidated=False)

        with dask.config.set(scheduler="threads", num_workers=WORKERS):
            base_m, _ = measure("xarray resample().median()", baseline)
            ours_m, _ = measure("earth.composite.median_composite", ours)
        a = xr.open_zarr(tmp / "ours.zarr", consolidated=False)["B4"].isel(time=slice(0, 2)).values
        b = xr.open_zarr(tmp / "baseline.zarr", consolidated=False)["B4"].isel(time=slice(0, 2)).values
        identical = bool(np.allclose(a, b, equal_nan=True, rtol=1e-6))
        per_core = n_pixels / ours_m.seconds / WORKERS / 1e6
        figures = {
            "stack": f"{N_DATES} dates x {SIZE} x {SIZE} px x {len(BANDS)} bands, monthly -> 12 composites",
            "ours_mpix_per_s_per_core": round(per_core, 1),
            "ours_band_values_mpix_per_s_per_core": round(n_values / ours_m.seconds / WORKERS / 1e6, 1),
            "baseline_mpix_per_s_per_core": round(n_pixels / base_m.seconds / WORKERS / 1e6, 1),
            "target": ">= 20 Mpix/s per core, peak <= 2048 MiB",
            "meets_target": per_core >= 20 and ours_m.peak_rss_mib <= 2048,
            "results_identical_to_baseline": identical,
            "workers": WORKERS,
        }
        payload = report("composite", ours_m, base_m, **figures)
        print(json.dumps({k: payload[k] for k in ("speedup",)}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
