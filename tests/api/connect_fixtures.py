"""A written connectivity plan in a data folder, as ``make demo`` leaves it (for the API and the browser tests)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from spacebridge.core.errors import EstimatedValueWarning

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"


def write_demo_plan(data_dir: Path, *, every: int = 25) -> Path:
    """Plan every ``every``-th bundled OSM village (about 370) with the default scenario into ``data_dir/connect``."""
    from spacebridge.connect.plan import make_plan
    from spacebridge.connect.products import write_plan
    from spacebridge.connect.scenario import default_scenario
    from spacebridge.connect.settlements import read_settlements

    kz = EXAMPLES / "kazakhstan"
    scenario = default_scenario()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatedValueWarning)
        places = read_settlements(kz / "places" / "kaz_populated_places_osm.csv",
                                  facility_columns=tuple(scenario.demand.facility_demand_mbps))  # fmt: skip
    villages = np.flatnonzero((places.adm1 != "") & ~np.isin(places.place, ["city", "town"]))[::every]
    plan = make_plan(places.subset(villages), scenario)
    write_plan(plan, data_dir / "connect", boundaries_dir=kz / "boundaries", parquet=False)
    return data_dir / "connect"
