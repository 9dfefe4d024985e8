"""Charts for coordinators: matplotlib Figure + Agg canvas (no pyplot: safe in servers and threads).

Counts are whole numbers on every axis; a panel without data says so ("Belum ada data") instead of
drawing empty axes.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

# matplotlib keeps a font cache in MPLCONFIGDIR, by default under the home directory: a server (and the tests)
# keep it in the temporary directory instead, unless the operator chose a place
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "pantau-matplotlib"))

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from flows.problem import Gettext

MEN, WOMEN = "#2f6db5", "#e07b39"
STATUS_COLOURS = {"berjalan": "#3a9d5d", "sebagian": "#f2b134", "belum": "#b0b0b0", "berhenti": "#d64545"}


def _empty(ax: Axes, title: str, t: Gettext) -> None:
    ax.set_title(title)
    ax.set_axis_off()
    ax.text(0.5, 0.5, t("Belum ada data"), ha="center", va="center", fontsize=12, color="#777777",
            transform=ax.transAxes)


def _counts(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)


def summary_figure(by_area: dict[str, tuple[int, int]], status_by_sector: dict[str, dict[str, int]],
                   labels: dict[str, str], t: Gettext) -> Figure:
    """Left: participants per area split men/women. Right: activity status per sector."""
    fig = Figure(figsize=(10, 5.2), dpi=110)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    names = [n for n, (m, w) in by_area.items() if m or w]
    if names:
        men = [by_area[n][0] for n in names]
        women = [by_area[n][1] for n in names]
        left.barh(names, men, color=MEN, label=t("Laki-laki"))
        left.barh(names, women, left=men, color=WOMEN, label=t("Perempuan"))
        left.set_title(t("Peserta pertemuan"))
        left.invert_yaxis()
        _counts(left)
        left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    else:
        _empty(left, t("Peserta pertemuan"), t)
    sectors = [sec for sec, by in status_by_sector.items() if any(by.values())]
    if sectors:
        offset = [0] * len(sectors)
        for status, colour in STATUS_COLOURS.items():
            values = [status_by_sector.get(sec, {}).get(status, 0) for sec in sectors]
            right.barh([labels.get(sec, sec) for sec in sectors], values, left=offset, color=colour,
                       label=labels.get(status, status))
            offset = [a + b for a, b in zip(offset, values)]
        right.set_title(t("Keadaan kegiatan per bidang"))
        right.invert_yaxis()
        _counts(right)
        right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    else:
        _empty(right, t("Keadaan kegiatan per bidang"), t)
    fig.tight_layout()
    return fig


def summary_chart(by_area: dict[str, tuple[int, int]], status_by_sector: dict[str, dict[str, int]],
                  labels: dict[str, str], path: Path, t: Gettext) -> Path:
    fig = summary_figure(by_area, status_by_sector, labels, t)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
