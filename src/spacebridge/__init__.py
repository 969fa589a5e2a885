"""spacebridge: satellite data to decisions.

Three pillars on one core:

- :mod:`spacebridge.earth`: Earth observation analyses (floods, fire, drought, snow, water bodies).
- :mod:`spacebridge.connect`: satellite connectivity planning (ITU-R propagation, link budgets, rollout).
- :mod:`spacebridge.sky`: observation planning and scheduling for the Kazakh observatories.

Importing this package is cheap: heavy libraries are imported by the modules that need them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spacebridge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
