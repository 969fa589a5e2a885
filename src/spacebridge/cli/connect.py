"""``spacebridge connect``: satellite connectivity commands.

``attenuation`` reads a CSV of Earth-station links and writes the same rows with the P.618-14 attenuation
components and total. ``plan`` plans connectivity for a settlements file under a scenario and writes tables,
summaries, map layers and a map into a folder. Heavy libraries are imported inside the commands. Both read the
ITU-R map cache folder from ``Settings`` (``SPACEBRIDGE_ITUR_CACHE``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, add_completion=False)

_INPUT_COLUMNS = "lat, lon, hs_km (may be empty), freq_ghz, elevation_deg, diameter_m, efficiency, tau_deg, p_percent"


@app.command("attenuation")
def attenuation(
    csv_in: Annotated[Path, typer.Option("--csv", help=f"Input CSV with columns {_INPUT_COLUMNS}.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: the input rows plus the attenuation columns (dB).")],
) -> None:
    """Attenuation exceeded for p % of the year on each Earth-space link (ITU-R P.618-14 §2.5).

    hs_km may be empty: the station height is then taken from ITU-R P.1511-3. efficiency is a fraction
    (0.65), tau_deg the polarisation tilt (45 for circular).
    """
    from spacebridge.connect.attenuation_table import attenuation_table
    from spacebridge.core.settings import Settings

    rows = attenuation_table(csv_in, maps_dir=Settings.from_env().itur_cache)
    rows.write(out)
    typer.echo(f"wrote {rows.count} rows to {out}")


@app.command("plan")
def plan(
    settlements: Annotated[
        Path, typer.Option("--settlements", help="CSV or GeoJSON: id, name, lat, lon, population, adm1, adm2...")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created; files are replaced atomically).")],
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="YAML scenario merged over the default one (see docs).")
    ] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option("--boundaries", help="Folder with *adm1_2024*.geojson / *adm2_2024*.geojson for names and maps."),
    ] = None,
    rollout: Annotated[
        str | None, typer.Option("--rollout", help="Override the scenario's rollout method: greedy or exact.")
    ] = None,
    parquet: Annotated[bool, typer.Option("--parquet/--no-parquet", help="Also write settlements.parquet.")] = True,
) -> None:
    """Plan satellite connectivity (GEO-only, LEO-only, hybrid) with costs and a rollout under a yearly budget."""

    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from spacebridge.connect.plan import make_plan
    from spacebridge.connect.products import write_plan
    from spacebridge.connect.scenario import default_scenario, load_scenario, scenario_from_dict
    from spacebridge.connect.settlements import read_settlements
    from spacebridge.core.provenance import InputRef
    from spacebridge.core.settings import Settings

    settings = Settings.from_env()
    console = Console(stderr=True)
    sc = load_scenario(scenario) if scenario else default_scenario()
    if rollout is not None:
        sc = scenario_from_dict({**dict(sc.raw), "rollout": {**dict(sc.raw["rollout"]), "method": rollout}}, base={})
    places = read_settlements(settlements, facility_columns=tuple(sc.demand.facility_demand_mbps))
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("planning", total=None)
        result = make_plan(
            places, sc, progress=lambda message: bar.update(task, description=message), maps_dir=settings.itur_cache
        )
        bar.update(task, description="writing products")
        inputs = [InputRef("settlements", str(settlements))]
        if scenario:
            inputs.append(InputRef("scenario", str(scenario)))
        files = write_plan(result, out, boundaries_dir=boundaries, parquet=parquet, inputs=tuple(inputs))
    for option in result.options:
        t = option.totals
        console.print(
            f"[bold]{option.name}[/bold]: {int(t['settlements_feasible'])} of {len(places)} settlements feasible, "
            f"{t['served_mbps']:.0f} of {t['demand_mbps']:.0f} Mbit/s busy-hour demand served, "
            f"CAPEX {t['capex_usd'] / 1e6:.1f} M USD, {t['cost_per_user_usd_year']:.0f} USD/user/year, "
            f"{int(t['settlements_connected_in_horizon'])} connected within {sc.rollout.years} years",
            highlight=False,
        )
    console.print(f"[green]wrote {len(files)} files to {out}[/green]")
