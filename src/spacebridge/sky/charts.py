"""Charts of a night schedule: the timeline (blocks, slews, twilights, extra lanes such as satellite passes) and
the altitude curves of the scheduled targets.

Functions return a :class:`matplotlib.figure.Figure` built without pyplot (no global state); save it with
``fig.savefig(path)`` (PNG or SVG from the suffix).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spacebridge.sky.scheduler.plan import NightSchedule

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

__all__ = ["Lane", "altitude_chart", "timeline_chart"]

_LABEL_GAP_DAYS = 12.0 / 1440.0
_TWILIGHT_SHADES = ((-6.0, 0.94), (-12.0, 0.89), (-18.0, 0.84))  # Sun altitude below which, grey level


@dataclass(frozen=True)
class Lane:
    """An extra row on the timeline, e.g. satellite passes: labelled intervals."""

    title: str
    intervals: tuple[tuple[str, dt.datetime, dt.datetime], ...]


def _num(times: Sequence[dt.datetime] | np.ndarray) -> np.ndarray:
    from matplotlib.dates import date2num

    values = [t if isinstance(t, dt.datetime) else t.astype("datetime64[us]").item() for t in times]
    return np.asarray(date2num([v.replace(tzinfo=None) for v in values]))


def _shade_night(ax: Axes, schedule: NightSchedule) -> None:
    grid = schedule.grid
    if grid is None or not grid.times_utc.size:
        return
    x = _num(grid.times_utc)
    for level, grey in _TWILIGHT_SHADES:
        ax.fill_between(
            x, 0, 1, where=grid.sun_altitude_deg < level, color=str(grey), transform=ax.get_xaxis_transform(), lw=0
        )


def _format_time_axis(ax: Axes) -> None:
    from matplotlib.dates import DateFormatter, HourLocator

    ax.xaxis.set_major_locator(HourLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.set_xlabel("UTC")


def timeline_chart(schedule: NightSchedule, *, lanes: Sequence[Lane] = (), title: str | None = None) -> Figure:
    """The night as lanes: the telescope's blocks (coloured by priority, the slew before each block hatched) and any
    extra lanes (e.g. satellite passes)."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    n_lanes = 1 + len(lanes)
    fig = Figure(figsize=(12, 1.6 + 0.9 * n_lanes), layout="constrained")
    ax = fig.add_subplot()
    _shade_night(ax, schedule)
    priorities = [b.request.priority for b in schedule.scheduled] or [1.0]
    norm = Normalize(min(priorities), max(max(priorities), min(priorities) + 1e-9))
    cmap = colormaps["viridis"]
    y = n_lanes - 1
    for block in schedule.scheduled:
        x0, x1 = _num([block.start_utc, block.end_utc])
        ax.broken_barh([(x0, x1 - x0)], (y + 0.1, 0.8), color=cmap(norm(block.request.priority)), ec="black", lw=0.4)
        if x1 - x0 > 0.004:  # label blocks longer than about 6 minutes
            ax.text((x0 + x1) / 2, y + 0.5, str(block.request.id), ha="center", va="center", fontsize=6, rotation=90)
        if block.slew_before_s > 0:
            width = block.slew_before_s / 86400.0
            ax.broken_barh([(x0 - width, width)], (y + 0.3, 0.4), facecolor="none", edgecolor="0.3", hatch="////")
    for k, lane in enumerate(lanes):
        yk = n_lanes - 2 - k
        last_label = -np.inf
        for label, start, end in lane.intervals:
            x0, x1 = _num([start, end])
            ax.broken_barh([(x0, max(x1 - x0, 1e-4))], (yk + 0.2, 0.6), color="tab:orange", ec="black", lw=0.3)
            if x0 - last_label > _LABEL_GAP_DAYS:  # skip labels that would overprint the previous one
                ax.text(x0, yk + 0.85, label, fontsize=5, rotation=45, va="bottom")
                last_label = x0
    tel = schedule.telescope.id if schedule.telescope else "telescope"
    ax.set_yticks([n_lanes - 1 - k + 0.5 for k in range(n_lanes)], [tel, *(lane.title for lane in lanes)])
    ax.set_ylim(0, n_lanes)
    if schedule.night_start_utc and schedule.night_end_utc:
        ax.set_xlim(*_num([schedule.night_start_utc, schedule.night_end_utc]))
    _format_time_axis(ax)
    fig.colorbar(_mappable(cmap, norm), ax=ax, label="priority", pad=0.01, aspect=10)
    ax.set_title(title or _default_title(schedule), fontsize=9)
    return fig


def _mappable(cmap: Colormap, norm: Normalize) -> ScalarMappable:
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def _default_title(schedule: NightSchedule) -> str:
    rs = schedule.request_set
    return (
        f"{schedule.site.name}, night of {rs.night.isoformat()}: {len(schedule.scheduled)} of {len(rs.requests)} "
        f"requests, value {schedule.value:.2f} priority-hours (grey: civil / nautical / astronomical twilight)"
    )


def altitude_chart(schedule: NightSchedule, *, max_targets: int = 12, title: str | None = None) -> Figure:
    """Altitude of the scheduled targets (the most valuable ``max_targets``) through the night, with the scheduled
    block drawn thick, each target's airmass limit dotted, and the Moon dashed."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5), layout="constrained")
    ax = fig.add_subplot()
    grid = schedule.grid
    _shade_night(ax, schedule)
    if grid is not None and grid.times_utc.size:
        x = _num(grid.times_utc)
        ax.plot(x, grid.moon_altitude_deg, "--", color="0.3", lw=1, label="Moon")
        chosen = sorted(schedule.scheduled, key=lambda b: -b.request.priority)[:max_targets]
        for k, block in enumerate(sorted(chosen, key=lambda b: b.start_utc)):
            row = grid.index(block.request.key)
            color = f"C{k % 10}"
            ax.plot(x, grid.altitude_deg[row], color=color, lw=0.7, alpha=0.6)
            inside = (x >= _num([block.start_utc])[0]) & (x <= _num([block.end_utc])[0])
            ax.plot(x[inside], grid.altitude_deg[row][inside], color=color, lw=3, label=str(block.request.id))
            ax.axhline(block.request.constraints.min_altitude_deg, color=color, lw=0.5, ls=":")
        ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, 90)
    ax.set_ylabel("altitude (deg)")
    _format_time_axis(ax)
    ax.legend(fontsize=6, ncols=7, loc="upper center")
    ax.set_title(title or _default_title(schedule), fontsize=9)
    return fig
