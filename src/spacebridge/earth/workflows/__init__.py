"""Workflows of the time-series analyses (drought, snow, water, composite): open the dates, analyse, write.

Each module composes the series loader (:mod:`spacebridge.earth.load_series`), a pure analysis module
(:mod:`spacebridge.earth.drought`, :mod:`~spacebridge.earth.snow`, :mod:`~spacebridge.earth.water`,
:mod:`~spacebridge.earth.composite`) and the products writer (:mod:`spacebridge.earth.series_products`); the
``spacebridge earth drought|snow|water|composite`` commands and the demo call them.
"""
