"""Provenance: what a result was made from and how.

Every product carries a :class:`Lineage`: the input scenes and files, the parameters given, the values the
method actually chose (thresholds, fallbacks), the software and data versions. It is serialised into the
STAC item of the product and into the service's run records.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["InputRef", "Lineage", "package_versions"]

_DEFAULT_PACKAGES = ("spacebridge", "numpy", "xarray", "dask", "rasterio", "odc-stac", "odc-geo", "pystac")


def package_versions(names: Iterable[str] = _DEFAULT_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (``"not installed"`` for missing ones)."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True)
class InputRef:
    """One input of a product: a scene, a file, a STAC item or a table."""

    role: str
    """What the input was used as (``"optical"``, ``"sar"``, ``"pre-optical"``, ``"reference-water"``...)."""
    href: str
    """Path or URL of the input."""
    id: str | None = None
    """Scene or STAC item id when known."""
    datetime_utc: str | None = None
    """Acquisition time in ISO 8601 UTC when known."""
    sha256: str | None = None
    """Content hash of the file when it was computed."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Lineage:
    """How a product was made. Immutable; use :meth:`with_values` to add chosen values."""

    process: str
    """Name of the analysis, e.g. ``"earth.flood"``."""
    inputs: tuple[InputRef, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Options as given by the user (after defaults)."""
    chosen: Mapping[str, Any] = field(default_factory=dict)
    """Values the method chose itself: thresholds, fallbacks, votes."""
    warnings: tuple[str, ...] = ()
    software: Mapping[str, str] = field(default_factory=package_versions)
    created_utc: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )

    def with_values(self, **chosen: Any) -> Lineage:
        """A copy with ``chosen`` merged into :attr:`chosen`."""
        merged = {**self.chosen, **chosen}
        return Lineage(
            self.process, self.inputs, self.parameters, merged, self.warnings, self.software, self.created_utc
        )

    def with_warnings(self, *messages: str) -> Lineage:
        """A copy with ``messages`` appended to :attr:`warnings`."""
        return Lineage(
            self.process,
            self.inputs,
            self.parameters,
            self.chosen,
            self.warnings + tuple(messages),
            self.software,
            self.created_utc,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "process": self.process,
            "inputs": [i.to_dict() for i in self.inputs],
            "parameters": dict(self.parameters),
            "chosen": dict(self.chosen),
            "warnings": list(self.warnings),
            "software": {**dict(self.software), "python": platform.python_version()},
            "created_utc": self.created_utc,
        }
