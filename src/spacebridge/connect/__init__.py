"""Satellite connectivity planning: ITU-R propagation, link budgets, throughput, cost and rollout.

Sub-packages and modules are imported on demand; importing :mod:`spacebridge.connect` is cheap.
"""

__all__: list[str] = []
