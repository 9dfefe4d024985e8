"""Charts: counts in whole numbers; a panel without data says "Belum ada data", not empty axes."""
import pytest

from bot import catalog
from bot.reports.charts import summary_figure

t = catalog.gettext_for("id")


def ticks(ax):
    ax.figure.canvas.draw()
    return [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]


@pytest.mark.parametrize("by_area,status", [
    ({"Kec. Bula": (1, 0)}, {"pertanian": {"berjalan": 1}}),
    ({"Kec. Bula": (3, 2), "Kec. Seram Timur": (0, 1)}, {"pertanian": {"berjalan": 2, "belum": 1}}),
])
def test_count_axes_are_whole_numbers(by_area, status):
    left, right = summary_figure(by_area, status, {}, t).axes
    for ax in (left, right):
        assert ticks(ax) and all(float(x).is_integer() for x in ticks(ax)), ticks(ax)
        assert ax.get_xlim()[0] == 0


def test_no_data_says_so():
    left, right = summary_figure({"Kec. Bula": (0, 0)}, {}, {}, t).axes
    for ax in (left, right):
        assert not ax.axison
        assert [x.get_text() for x in ax.texts] == ["Belum ada data"]


def test_a_chart_writes_nothing_under_the_home_directory(tmp_path):
    """matplotlib's font cache goes to the temporary directory, not ~/.cache or ~/.config (fresh process)."""
    import os
    import subprocess
    import sys
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    env.update(HOME=str(home), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    script = ("from pathlib import Path; from bot import catalog; from bot.reports.charts import summary_chart; "
              f"summary_chart({{'Kec. Bula': (3, 2)}}, {{}}, {{}}, Path({str(tmp_path / 'c.png')!r}), "
              "catalog.gettext_for('id'))")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    assert (tmp_path / "c.png").stat().st_size > 0
    assert list(home.rglob("*")) == []
