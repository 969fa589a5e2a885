"""Load test of the service: 50 concurrent clients for 30 s against /stac/search and tiles, on loopback.

Set-up (in a temporary folder): a 2048 x 2048 float32 COG with overviews (the real Spain 2019 Sentinel-1 VV scene,
tiled 4 x 4) and a 0/1 water COG from it, registered as STAC items, plus 500 small catalogue items spread over
Kazakhstan and 2019-2024 for the searches. The service runs in its own processes (``spacebridge serve --workers N``
for each N of ``--workers``, default 1 then 2, SQLite), the bounded asyncio client (httpx) in this one.

Measured, in the same run:
- the load: each client loops over GET and POST ``/stac/search`` (random bbox, datetime, collections) and XYZ
  tiles (random tiles of the COGs at zoom 11-14, the zooms at which the 10 m scene is viewed); status codes,
  p50 and p95 latency per kind;
- baseline 1: the same 50 clients on ``/health`` (HTTP + one database ping) for 10 s;
- baseline 2: a raw rio-tiler read + PNG render of the same tiles in this process, no service, sequential.
Ratios: tile p50 under load / raw rio-tiler p50, search p50 / health p50, and tile p50 with the first worker count
/ with the best one. The service keeps rendered tiles in
a bounded LRU cache (``service/tile_cache.py``); its hit and miss counts are printed, since with a few hundred
distinct tiles most requests after the first seconds are hits.

Checks: no 5xx; tile p50 <= 100 ms. The machine is shared (2 cores): run it once, when nothing else runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import morecantile
import numpy as np
import pystac
import rasterio
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from _harness import Measurement, report

ROOT = Path(__file__).resolve().parents[1]
S1 = ROOT / "examples" / "data" / "flood-spain-2019" / "Spain_7370579_S1Hand.tif"
CLIENTS = 50
DURATION_S = 30.0
TMS = morecantile.tms.get("WebMercatorQuad")


def _cog(path: Path, data: np.ndarray, profile: dict, nodata: float) -> None:
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.open(tmp, "w", **{**profile, "count": 1, "dtype": data.dtype.name, "nodata": nodata}) as dst:
        dst.write(data, 1)
    cog_translate(tmp, path, cog_profiles.get("deflate"), quiet=True)
    tmp.unlink()


def build_data(root: Path) -> tuple[list[tuple[str, str]], tuple[float, float, float, float]]:
    with rasterio.open(S1) as src:
        vv = src.read(1)
        profile = src.profile
        t = src.transform
    big = np.tile(np.nan_to_num(vv, nan=-9999.0), (4, 4)).astype("float32")
    profile.update(width=big.shape[1], height=big.shape[0], driver="GTiff", blockxsize=512, blockysize=512, tiled=True)
    bounds = (t.c, t.f + t.e * big.shape[0], t.c + t.a * big.shape[1], t.f)
    cat = pystac.Catalog("bench", "load test products")
    coll = pystac.Collection(
        "bench-products",
        "bench",
        pystac.Extent(pystac.SpatialExtent([list(bounds)]), pystac.TemporalExtent([[None, None]])),
    )
    cat.add_child(coll)
    geom = {
        "type": "Polygon",
        "coordinates": [
            [
                [bounds[0], bounds[1]],
                [bounds[2], bounds[1]],
                [bounds[2], bounds[3]],
                [bounds[0], bounds[3]],
                [bounds[0], bounds[1]],
            ]
        ],
    }
    tiles = []
    for name, data, nodata in (
        ("vv", big, -9999.0),
        ("water", np.where(big == -9999, 255, big < -18).astype("uint8"), 255),
    ):
        path = root / "cogs" / f"{name}.tif"
        path.parent.mkdir(parents=True, exist_ok=True)
        _cog(path, data, profile, nodata)
        item = pystac.Item(name, geom, list(bounds), dt.datetime(2019, 9, 17, tzinfo=dt.UTC), {})
        item.add_asset("data", pystac.Asset(str(path), media_type=pystac.MediaType.COG, roles=["data"]))
        coll.add_item(item)
        tiles.append(("bench-products", name))
    rng = random.Random(1)
    many = pystac.Collection(
        "bench-catalogue",
        "search load",
        pystac.Extent(pystac.SpatialExtent([[46, 40, 88, 56]]), pystac.TemporalExtent([[None, None]])),
    )
    cat.add_child(many)
    for i in range(500):
        w, s = rng.uniform(46, 86), rng.uniform(40, 54)
        box = [w, s, w + 1, s + 1]
        g = {"type": "Polygon", "coordinates": [[[w, s], [w + 1, s], [w + 1, s + 1], [w, s + 1], [w, s]]]}
        when = dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=rng.uniform(0, 5 * 365))
        many.add_item(pystac.Item(f"scene-{i:03d}", g, box, when, {}))
    cat.normalize_hrefs(str(root / "catalog"))
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return tiles, bounds


def tile_urls(tiles: list[tuple[str, str]], bounds: tuple[float, float, float, float]) -> list[str]:
    urls = []
    for z in range(11, 15):  # z14 ~ 9.5 m pixels at 38 N: the native resolution of the 10 m scene
        for t in TMS.tiles(*bounds, zooms=[z]):
            urls += [f"/tiles/{c}/{i}/data/{t.z}/{t.x}/{t.y}.png" for c, i in tiles]
    return urls


def search_request(rng: random.Random) -> tuple[str, str, dict | None]:
    w, s = rng.uniform(44, 86), rng.uniform(38, 54)
    bbox = [round(w, 3), round(s, 3), round(w + rng.uniform(0.5, 6), 3), round(s + rng.uniform(0.5, 4), 3)]
    year = rng.randint(2019, 2023)
    when = f"{year}-01-01T00:00:00Z/{year + 1}-06-30T00:00:00Z"
    if rng.random() < 0.5:
        return "GET", "/stac/search", {"params": {"bbox": ",".join(map(str, bbox)), "datetime": when, "limit": 20}}
    return (
        "POST",
        "/stac/search",
        {"json": {"bbox": bbox, "datetime": when, "collections": ["bench-catalogue"], "limit": 20}},
    )


async def load(base: str, duration_s: float, pick) -> dict[str, list[float]]:
    lat: dict[str, list[float]] = defaultdict(list)
    codes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        end = time.monotonic() + duration_s

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < end:
                kind, method, url, kw = pick(rng)
                t0 = time.perf_counter()
                try:
                    resp = await client.request(method, url, **(kw or {}))
                except httpx.TransportError as exc:  # counted, never hidden: a dropped connection is a failure
                    codes[f"{kind} {type(exc).__name__}"] += 1
                    continue
                lat[kind].append(time.perf_counter() - t0)
                codes[f"{kind} {resp.status_code}"] += 1

        await asyncio.gather(*(worker(i) for i in range(CLIENTS)))
    lat["_codes"] = codes  # type: ignore[assignment]
    return lat


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q))


def raw_tiles(root: Path, urls: list[str]) -> list[float]:
    from rio_tiler.io import Reader

    times = []
    for url in urls:
        parts = url.split("/")
        item, z, x, y = parts[3], int(parts[5]), int(parts[6]), int(parts[7].split(".")[0])
        t0 = time.perf_counter()
        with Reader(str(root / "cogs" / f"{item}.tif")) as src:
            img = src.tile(x, y, z, indexes=1)
        img.rescale(in_range=((-25.0, 0.0),)) if item == "vv" else None
        img.render(img_format="PNG")
        times.append(time.perf_counter() - t0)
    return times


def serve_and_load(root: Path, urls: list[str], workers: int) -> dict:
    """Start ``spacebridge serve --workers N`` on the data, run the mixed load then the /health baseline, stop it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "spacebridge.cli.main", "serve", "--port", str(port), "--data", str(root)]
    log = (root / f"server-{workers}.log").open("wb")
    server = subprocess.Popen([*cmd, "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        items = httpx.get(base + "/health").json()["items"]
        print(f"[api_load] --workers {workers}: {items} items; {len(urls)} distinct tiles; {CLIENTS} clients x "
              f"{DURATION_S:.0f} s")  # fmt: skip

        def mixed(rng: random.Random):
            if rng.random() < 0.5:
                method, url, kw = search_request(rng)
                return "search", method, url, kw
            return "tile", "GET", rng.choice(urls), None

        t0 = time.perf_counter()
        lat = asyncio.run(load(base, DURATION_S, mixed))
        wall = time.perf_counter() - t0
        health = asyncio.run(load(base, 10.0, lambda rng: ("health", "GET", "/health", None)))
        cache = httpx.get(base + "/health").json().get("tile_cache", {})  # one worker's cache
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    codes = lat.pop("_codes")
    hcodes = health.pop("_codes")
    every = list(codes.items()) + list(hcodes.items())
    return {
        "status_codes": dict(codes),
        "requests_per_s": round(sum(len(v) for v in lat.values()) / wall, 1),
        "search_p50_ms": round(pct(lat["search"], 50), 1),
        "search_p95_ms": round(pct(lat["search"], 95), 1),
        "tile_p50_ms": round(pct(lat["tile"], 50), 1),
        "tile_p95_ms": round(pct(lat["tile"], 95), 1),
        "health_p50_ms": round(pct(health["health"], 50), 1),
        "health_p95_ms": round(pct(health["health"], 95), 1),
        "server_errors_5xx": sum(n for k, n in every if k.split()[-1].startswith("5")),
        "transport_errors": sum(n for k, n in every if not k.split()[-1].isdigit()),
        "server_tile_cache": cache,
    }


def main() -> int:
    import argparse

    global DURATION_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=DURATION_S, help="duration of the mixed load")
    parser.add_argument(
        "--workers", default="1,2", help="server process counts to measure one after the other (comma-separated)"
    )
    args = parser.parse_args()
    DURATION_S = args.seconds
    counts = [int(w) for w in args.workers.split(",")]
    root = Path(tempfile.mkdtemp(prefix="spacebridge-bench-api-"))
    tiles, bounds = build_data(root)
    urls = tile_urls(tiles, bounds)
    runs = {n: serve_and_load(root, urls, n) for n in counts}
    raw = raw_tiles(root, urls)
    raw_p50 = pct(raw, 50)
    figures: dict = {"raw_rio_tiler_tile_p50_ms (baseline, no service, sequential)": round(raw_p50, 1)}
    for n, f in runs.items():
        figures[f"workers={n}"] = {
            **f,
            "tile_p50_under_load / raw_rio_tiler_p50": round(f["tile_p50_ms"] / raw_p50, 2),
            "search_p50 / health_p50": round(f["search_p50_ms"] / f["health_p50_ms"], 2),
        }
    best = min(counts, key=lambda n: runs[n]["tile_p50_ms"])
    if len(counts) > 1:
        first = counts[0]
        figures[f"tile_p50 workers={first} / workers={best}"] = round(
            runs[first]["tile_p50_ms"] / runs[best]["tile_p50_ms"], 2
        )
    ours = Measurement(f"tile p50 under load (service, --workers {best})", runs[best]["tile_p50_ms"] / 1000, 0.0)
    baseline = Measurement("raw rio-tiler tile p50", raw_p50 / 1000, 0.0)
    report("api_load", ours, baseline, **figures)
    ok = all(f["server_errors_5xx"] == 0 and f["transport_errors"] == 0 for f in runs.values())
    ok = ok and runs[best]["tile_p50_ms"] <= 100.0
    print(f"[api_load] {'PASS' if ok else 'FAIL'}: no 5xx, no dropped connection, tile p50 <= 100 ms")
    print(json.dumps({"root": str(root)}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
