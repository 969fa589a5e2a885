"""Shared core: errors and warnings, units, geometry helpers, provenance, atomic writes, settings."""
