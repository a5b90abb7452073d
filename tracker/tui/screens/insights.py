"""Insights as charts: actions opened and closed per week, overdue at each week's end, the SLO breach rate
per priority and the time to close, over a window of weeks that ``-`` and ``+`` shorten and lengthen.

The figures are ``tracker insights``' (``tracker.core.insights``), drawn by plotext in the theme's colours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Header, Static

from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import DataChanged, InsightsLoaded
from tracker.tui.text import could_not_load, literal
from tracker.tui.widgets.chart import Chart, Series
from tracker.tui.widgets.footer import TrackerFooter

if TYPE_CHECKING:
    from tracker.core.insights import Insights

WINDOWS = (4, 8, 12, 26, 52, 104)
"""The windows ``-`` and ``+`` step through, in weeks."""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


class InsightsScreen(TrackerScreen[None]):
    """Four charts over the last weeks; - and + change how many."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("minus,left_square_bracket", "window(-1)", "Fewer weeks", id="insights.fewer"),
        Binding("plus,equals_sign,right_square_bracket", "window(1)", "More weeks", id="insights.more"),
        Binding("r", "reload", "Refresh", id="insights.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.weeks = 12
        self.insights: Insights | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="insights-summary")
        with Grid(id="insights-grid"):
            yield Chart("Opened (bars) and closed (line) per week", id="chart-flow")
            yield Chart("Overdue at the end of each week", id="chart-overdue")
            yield Chart("SLO breach rate per priority, %", id="chart-slo")
            yield Chart("Days to close", id="chart-close")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self.weeks)

    def action_window(self, step: int) -> None:
        index = min(range(len(WINDOWS)), key=lambda i: abs(WINDOWS[i] - self.weeks))
        self.weeks = WINDOWS[max(0, min(len(WINDOWS) - 1, index + step))]
        self.action_reload()

    @work(thread=True, exclusive=True, group="insights", exit_on_error=False)
    def _load(self, weeks: int) -> None:
        self.post_message(InsightsLoaded(self.app.store.review.insights(weeks)))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "insights":
            self.query_one("#insights-summary", Static).update(could_not_load(error))

    def on_insights_loaded(self, message: InsightsLoaded) -> None:
        i = message.insights
        if i.weeks != self.weeks:
            return  # an older window; the newer one is on its way
        self.insights = i
        r = i.recurrence
        self.sub_title = f"insights · {i.weeks} weeks"
        self.query_one("#insights-summary", Static).update(literal(
            f"{i.weeks} weeks, {i.start} to {i.end} · recurrence {_pct(r.rate)} ({r.recurring} of {r.incidents}"
            f" incidents) · prevent actions that did not prevent: {len(r.did_not_prevent)} · - + window"))
        weeks = [w.week[-3:] for w in i.weekly]
        self.query_one("#chart-flow", Chart).show(weeks, [
            Series("opened", [w.opened for w in i.weekly], "bar", "primary"),
            Series("closed", [w.closed for w in i.weekly], "line", "success")])
        self.query_one("#chart-overdue", Chart).show(weeks, [
            Series("overdue", [w.overdue_at_end for w in i.weekly], "line", "error")])
        self.query_one("#chart-slo", Chart).show([f"{row.priority} {row.target_days}d" for row in i.slo], [
            Series("breach rate", [round((row.breach_rate or 0) * 100) for row in i.slo], "bar", "warning")])
        t = i.time_to_close
        times = [("all", t.overall), *t.by_priority.items()]
        # No action closed in the window draws no bar at all: the title says why, rather than an empty frame.
        title = "Days to close: p50 and p90" if t.overall.closed else "Days to close: none closed"
        self.query_one("#chart-close", Chart).show([name for name, _ in times], [
            Series("p50", [c.p50_days or 0 for _, c in times], "bar", "primary"),
            Series("p90", [c.p90_days or 0 for _, c in times], "bar", "accent")],
            title=title)

    def on_data_changed(self, message: DataChanged) -> None:
        self.action_reload()
