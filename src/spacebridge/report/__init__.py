"""The demo report: each pillar contributes a section; :mod:`spacebridge.report.build` assembles the page."""
