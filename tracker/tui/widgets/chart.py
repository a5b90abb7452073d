"""A chart drawn by plotext (textual-plotext), in the colours of the app's theme.

Each series names a theme variable (``primary``, ``success``, ``error``, ...) rather than a colour, so a
chart reads in the dark and the light theme alike and follows a switch at once. The chart is drawn
again at every render, so a resize redraws it for the new size, with as many week labels as fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

from textual.app import RenderResult
from textual.color import Color
from textual.theme import Theme
from textual_plotext import PlotextPlot

Kind = Literal["bar", "line"]


class Series(NamedTuple):
    """One series of a chart: its name (the legend), a value per label, how it is drawn, its theme colour."""

    label: str
    values: Sequence[float]
    kind: Kind = "bar"
    colour: str = "primary"
    """A theme variable: ``primary``, ``secondary``, ``accent``, ``success``, ``warning``, ``error``."""


class Chart(PlotextPlot):
    """A titled chart of a few series over the same labels (weeks, priorities)."""

    DEFAULT_CSS = """
    Chart { height: 1fr; width: 1fr; min-height: 6; }
    """

    def __init__(self, title: str = "", *, id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.labels: list[str] = []
        self.series: list[Series] = []
        self.y_label = ""

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        self.refresh()

    def show(self, labels: Sequence[str], series: Sequence[Series], *, title: str | None = None,
             y_label: str = "") -> None:
        """Draw these series over ``labels`` (one value per label each)."""
        self.labels = list(labels)
        self.series = list(series)
        if title is not None:
            self.title = title
        self.y_label = y_label
        self.refresh()

    def _colour(self, name: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(name) or self.app.theme_variables.get("foreground", "#888888")
        return Color.parse(value).rgb

    def _ticks(self, width: int) -> tuple[list[float], list[str]]:
        """As many labels as fit under the chart: every one, or every second, third, ... ending on the last."""
        count = len(self.labels)
        if not count:
            return [], []
        longest = max(len(label) for label in self.labels) + 1
        room = max((width - 8) // longest, 1)
        step = max(-(-count // room), 1)
        positions = [i for i in range(count) if (count - 1 - i) % step == 0]
        return [float(i + 1) for i in positions], [self.labels[i] for i in positions]

    def _y_ticks(self, top: float, height: int) -> list[float]:
        """Whole-number ticks from 0 past ``top``, about one every second row."""
        wanted = max(min((height - 5) // 2, 5), 1)
        step = max(math.ceil(top / wanted), 1)
        return [float(step * n) for n in range(math.ceil(top / step) + 1 if top > 0 else 2)]

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self.title)
        xs = [float(x) for x in range(1, len(self.labels) + 1)]
        top = max([v for s in self.series for v in s.values] + [0])
        legend = len(self.series) > 1  # one series: the title says what it is, and no legend hides a bar
        bars = [s for s in self.series if s.kind == "bar"]
        width = 0.5 if len(bars) == 1 else 0.8 / max(len(bars), 1)
        for n, bar in enumerate(bars):  # side by side around each label
            offset = (n - (len(bars) - 1) / 2) * width
            plt.bar([x + offset for x in xs], list(bar.values), label=bar.label if legend else None,
                    color=self._colour(bar.colour), width=width)
        for line in (s for s in self.series if s.kind == "line"):
            plt.plot(xs, list(line.values), label=line.label if legend else None, color=self._colour(line.colour),
                     marker="braille")
        positions, names = self._ticks(self.size.width)
        if positions:
            plt.xticks(positions, names)
            plt.xlim(0.5, len(self.labels) + 0.5)
        ticks = self._y_ticks(top, self.size.height)
        plt.yticks(ticks, [f"{t:g}" for t in ticks])
        plt.ylim(0, ticks[-1])
        if self.y_label:
            plt.ylabel(self.y_label)

    def render(self) -> RenderResult:
        self._draw()  # at the current size: a resize draws it again
        return super().render()
