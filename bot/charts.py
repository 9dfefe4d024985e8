"""Charts for coordinators: matplotlib Figure + Agg canvas (no pyplot: safe in servers and threads)."""
from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

MEN, WOMEN = "#2f6db5", "#e07b39"
STATUS_COLOURS = {"berjalan": "#3a9d5d", "sebagian": "#f2b134", "belum": "#b0b0b0", "berhenti": "#d64545"}


def summary_chart(by_area: dict[str, tuple[int, int]], status_by_sector: dict[str, dict[str, int]],
                  labels: dict[str, str], path: Path, t) -> Path:
    """Left: participants per area split men/women. Right: activity status per sector."""
    fig = Figure(figsize=(10, 5.2), dpi=110)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    names = list(by_area) or ["-"]
    men = [by_area.get(n, (0, 0))[0] for n in names]
    women = [by_area.get(n, (0, 0))[1] for n in names]
    left.barh(names, men, color=MEN, label=t("Laki-laki"))
    left.barh(names, women, left=men, color=WOMEN, label=t("Perempuan"))
    left.set_title(t("Peserta pertemuan"))
    left.invert_yaxis()
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    sectors = list(status_by_sector) or ["-"]
    offset = [0] * len(sectors)
    for status, colour in STATUS_COLOURS.items():
        values = [status_by_sector.get(sec, {}).get(status, 0) for sec in sectors]
        right.barh([labels.get(sec, sec) for sec in sectors], values, left=offset, color=colour,
                   label=labels.get(status, status))
        offset = [a + b for a, b in zip(offset, values)]
    right.set_title(t("Keadaan kegiatan per bidang"))
    right.invert_yaxis()
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
