"""The one settings object, built at the edge (CLI or app factory) and passed down.

Nothing reads the environment at import time: :meth:`Settings.from_env` is called by the CLI and by
``create_app``; library code receives a :class:`Settings` (or plain arguments).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from spacebridge.core.errors import ConfigurationError

__all__ = ["Settings"]

_ENV_PREFIX = "SPACEBRIDGE_"


@dataclass(frozen=True)
class Settings:
    """Run-time settings. Every field can be set by ``SPACEBRIDGE_<FIELD>`` in the environment."""

    data_dir: Path = Path("spacebridge-data")
    """Where the service keeps its products and its SQLite database."""
    db_url: str | None = None
    """SQLAlchemy URL; ``None`` means SQLite in ``data_dir/spacebridge.sqlite``."""
    dask_address: str | None = None
    """Address of a Dask scheduler (``tcp://host:8786``); ``None`` uses the threaded scheduler."""
    workers: int | None = None
    """Start a local Dask cluster with this many workers (ignored when ``dask_address`` is set)."""
    max_pixels: int = 4_000_000_000
    """Refuse requests larger than this many pixels per band, before any work starts."""
    max_request_bytes: int = 5_000_000
    """Largest HTTP request body the API accepts."""
    max_aoi_km2: float = 3_000_000.0
    """Largest area an API request may process."""
    chunk_px: int = 2048
    """Dask chunk edge in pixels for raster work."""
    smtp_host: str | None = None
    """SMTP server for alert e-mails; ``None`` disables e-mail deliveries (they stay pending)."""
    smtp_port: int = 25
    """SMTP server port."""
    smtp_sender: str = "spacebridge@localhost"
    """``From`` address of alert e-mails."""
    webhook_timeout_s: float = 10.0
    """Time a webhook receiver has to answer one POST."""
    boundaries_dir: Path | None = None
    """Folder of Kazakhstan's boundary GeoJSON files (the geokz ``kaz_adm0_geokz.geojson``,
    ``kaz_adm1_2024_geokz.geojson``, ``kaz_adm2_2024_geokz_simplified.geojson``) that the web map draws and that
    areas given by admin code come from; ``None`` uses ``examples/data/kazakhstan/boundaries`` of a source checkout
    (a non-source install has none: the map then says so)."""
    itur_cache: Path | None = None
    """Cache folder of the converted ITU-R digital maps (about 320 MB, built once in about 5 s); ``None`` uses
    the user cache folder (``~/.cache/spacebridge``). See :mod:`spacebridge.connect.itur.mapcache`."""

    @property
    def resolved_db_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'spacebridge.sqlite').as_posix()}"

    def replace(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """The ``SPACEBRIDGE_*`` variables that :meth:`from_env` turns back into these settings (set fields only).

        For child processes that build their own settings (e.g. the worker processes of ``spacebridge serve``).
        """
        return {_ENV_PREFIX + f.name.upper(): str(v) for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SPACEBRIDGE_*`` variables, then ``overrides`` (``None`` values ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(_ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _parse(name: str, raw: str, type_name: Any) -> Any:
    kind = str(type_name)
    try:
        if "Path" in kind:
            return Path(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"environment variable {_ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}",
            hint="Fix or unset the variable",
            name=name,
            value=raw,
        ) from exc
    return raw
