"""Command line: one Typer app, a sub-app per pillar. Parsing and rendering only; logic lives in the library."""
