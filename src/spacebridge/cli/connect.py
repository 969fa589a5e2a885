"""``spacebridge connect``: satellite connectivity commands.

``attenuation`` reads a CSV of Earth-station links and writes the same rows with the P.618-14 attenuation
components and total. Heavy libraries are imported inside the commands.
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

    rows = attenuation_table(csv_in)
    rows.write(out)
    typer.echo(f"wrote {rows.count} rows to {out}")
