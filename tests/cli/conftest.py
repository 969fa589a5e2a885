"""Fixtures of the command tests: real time series (see ``_series.py``)."""

from ._series import landsat_series, ndvi_series, scl_series, spain_series

__all__ = ["landsat_series", "ndvi_series", "scl_series", "spain_series"]
