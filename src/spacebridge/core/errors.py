"""One exception root and one warning root for the whole of spacebridge.

Every error raised on purpose by spacebridge derives from :class:`SpacebridgeError` and also from the
builtin exception a caller would naturally catch, so ``except ValueError`` keeps working::

    SpacebridgeError (Exception)
    ├── InvalidInputError (+ ValueError)       a parameter or request has a wrong value
    │   ├── OutOfRangeError                    a number outside its valid range (latitude, frequency, ...)
    │   ├── InvalidAOIError                    an area of interest that is malformed or misses the data
    │   └── MalformedInputError                a file or document that cannot be parsed (TLE, CSV, JSON)
    ├── DataError (+ ValueError)               the data cannot support the request
    │   ├── CorruptRasterError (+ OSError)     truncated or unreadable raster
    │   ├── MissingBandError (+ LookupError)   a band the analysis needs is absent
    │   ├── GridMismatchError                  inputs on different CRSs or grids that do not overlap
    │   └── NoValidDataError                   all nodata, all cloud, or no valid pixel in the AOI
    ├── CapabilityError (+ ValueError)         the sensor or model cannot do this (names substitutes)
    ├── NotFoundError (+ LookupError)          an unknown site, product, sensor, area, ...
    ├── ConfigurationError (+ ValueError)      settings or scenario files that are wrong
    ├── ResourceLimitError (+ RuntimeError)    the request would exceed a configured size limit
    ├── AuthenticationError (+ PermissionError)  missing or wrong API key
    ├── ConflictError (+ RuntimeError)         the operation conflicts with the stored state
    └── ServiceUnavailableError (+ RuntimeError)  a database or remote service is briefly unreachable

Messages say what was wrong, show the offending value and say what to do. The same facts are kept in
attributes (``hint`` and ``context``) for programs.

Warnings for degraded but valid results derive from :class:`SpacebridgeWarning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "CapabilityError",
    "ConfigurationError",
    "ConflictError",
    "CorruptRasterError",
    "DataError",
    "DegradedResultWarning",
    "EstimatedValueWarning",
    "GridMismatchError",
    "InvalidAOIError",
    "InvalidInputError",
    "MalformedInputError",
    "MissingBandError",
    "NoValidDataError",
    "NotFoundError",
    "OutOfRangeError",
    "PartialCoverageWarning",
    "ResourceLimitError",
    "ServiceUnavailableError",
    "SpacebridgeError",
    "SpacebridgeWarning",
    "ThresholdFallbackWarning",
]


class SpacebridgeError(Exception):
    """Root of every error spacebridge raises on purpose.

    Parameters
    ----------
    message
        What was wrong, with the offending value.
    hint
        What the user should do about it. Appended to the message.
    **context
        Machine-readable facts (argument name, value, valid range, row number, ...).
    """

    def __init__(self, message: str, *, hint: str | None = None, **context: Any) -> None:
        self.message = message
        self.hint = hint
        self.context: Mapping[str, Any] = dict(context)
        super().__init__(self._render())

    def _render(self) -> str:
        if self.hint:
            return f"{self.message}. {self.hint}" if not self.message.endswith(".") else f"{self.message} {self.hint}"
        return self.message

    def __str__(self) -> str:
        return self._render()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description, used by the API's error responses."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "context": {k: _jsonable(v) for k, v in self.context.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


class InvalidInputError(SpacebridgeError, ValueError):
    """A parameter or request has a wrong value."""


class OutOfRangeError(InvalidInputError):
    """A number lies outside its valid range (latitude, elevation, frequency, ...)."""


class InvalidAOIError(InvalidInputError):
    """An area of interest is malformed, empty or outside the data."""


class MalformedInputError(InvalidInputError):
    """A file or document cannot be parsed (TLE, CSV, JSON, GeoJSON)."""


class DataError(SpacebridgeError, ValueError):
    """The data cannot support the request."""


class CorruptRasterError(DataError, OSError):
    """A raster is truncated, corrupt or unreadable."""


class MissingBandError(DataError, LookupError):
    """A band the analysis needs is not in the input."""

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return self._render()


class GridMismatchError(DataError):
    """Inputs are on different CRSs or grids, or do not overlap."""


class NoValidDataError(DataError):
    """No valid observation: all nodata, all cloud, or no valid pixel inside the AOI."""


class CapabilityError(SpacebridgeError, ValueError):
    """The sensor or model cannot do what was asked; the message names the substitutes."""


class NotFoundError(SpacebridgeError, LookupError):
    """An unknown name or id: site, telescope, sensor, product, area."""

    def __str__(self) -> str:
        return self._render()


class ConfigurationError(SpacebridgeError, ValueError):
    """Settings or scenario files are wrong."""


class ResourceLimitError(SpacebridgeError, RuntimeError):
    """The request would exceed a configured size limit; raised before any work starts."""


class AuthenticationError(SpacebridgeError, PermissionError):
    """A write was attempted without a valid API key."""


class ConflictError(SpacebridgeError, RuntimeError):
    """The operation conflicts with the stored state (duplicate id, run already finished)."""


class ServiceUnavailableError(SpacebridgeError, RuntimeError):
    """A database or remote service is unreachable or locked; retrying later may succeed."""


class SpacebridgeWarning(UserWarning):
    """Root of the warnings spacebridge emits for degraded but valid results."""


class ThresholdFallbackWarning(SpacebridgeWarning):
    """An adaptive threshold could not be estimated and a documented static value was used."""


class PartialCoverageWarning(SpacebridgeWarning):
    """Part of the area has no valid observation (cloud, nodata, outside the swath)."""


class EstimatedValueWarning(SpacebridgeWarning):
    """A value was estimated rather than read (population from place class, height from a map)."""


class DegradedResultWarning(SpacebridgeWarning):
    """The result is valid but less reliable than usual (few samples, a model outside its best range)."""
