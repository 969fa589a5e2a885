"""``spacebridge keys``: API keys for the writes of the HTTP service (stored hashed; shown once)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from spacebridge.service.store import Store

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in DATA).")]
DataOption = Annotated[Path | None, typer.Option("--data", help="Data folder of the service.")]


def _store(db: str | None, data: Path | None) -> Store:
    from spacebridge.core.settings import Settings
    from spacebridge.service.store import Store

    return Store.from_settings(Settings.from_env(data_dir=data, db_url=db))


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key (e.g. 'duty office').")],
    db: DbOption = None,
    data: DataOption = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    key = _store(db, data).create_key(name)
    typer.echo(key)


@app.command("list")
def list_keys(db: DbOption = None, data: DataOption = None) -> None:
    """List keys (name, prefix, creation time, revoked or not); never the keys themselves."""
    for row in _store(db, data).list_keys():
        state = "revoked" if row["revoked"] else "active"
        typer.echo(f"{row['prefix']}  {state:8}  {row['created_at']:%Y-%m-%d %H:%M}  {row['name']}")


@app.command("revoke")
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as shown by 'keys list'.")],
    db: DbOption = None,
    data: DataOption = None,
) -> None:
    """Revoke a key: writes with it are refused from now on."""
    _store(db, data).revoke_key(prefix)
    typer.echo(f"revoked {prefix}")
