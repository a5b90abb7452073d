"""The weekly review: what slipped, what got done, coverage gaps, recurrence, load and trend."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Label, Sparkline, Static

from tracker.base.errors import TrackerError
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import DataChanged, Failed, ReviewLoaded, ReviewRecorded
from tracker.tui.text import could_not_load, literal
from tracker.tui.widgets.footer import TrackerFooter

if TYPE_CHECKING:
    from tracker.core.review import ActionItem, Review

DECISION_SECTIONS = ("overdue", "unowned", "proposed", "stale", "blocked")
"""The review's sections whose actions need a decision, in the order the walk-through takes them."""


def decision_items(review: Review) -> list[tuple[ActionItem, list[str]]]:
    """Each action needing a decision once, with every reason it needs one (overdue, stale, ...)."""
    found: dict[int, tuple[ActionItem, list[str]]] = {}
    for section in DECISION_SECTIONS:
        rows = review.sections.get(section, [])
        items = [item for group in rows for item in group.actions] if section == "overdue" else rows
        for item in items:
            entry = found.setdefault(item.action.id, (item, []))
            entry[1].append(section)
    return list(found.values())


class ReviewScreen(TrackerScreen[None]):
    """This week's review; w walks through every item that needs a decision."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "walk", "Walk-through", id="review.walk"),
        Binding("c", "record", "Write + commit", id="review.record"),
        Binding("left_square_bracket", "week(-1)", "Previous week", id="review.previous"),
        Binding("right_square_bracket", "week(1)", "Next week", id="review.next"),
        Binding("r", "reload", "Refresh", id="review.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.week: str | None = None
        self.review: Review | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Weekly action review", id="review-title", classes="screen-title")
        with Horizontal(id="review-trend"):
            with Vertical():
                yield Label("Opened per week (12 weeks)")
                yield Sparkline([], id="review-opened")
            with Vertical():
                yield Label("Closed per week (12 weeks)")
                yield Sparkline([], id="review-closed")
        with VerticalScroll(id="review-box"):
            yield Static("Loading…", id="review-text")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self.week)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load(self, week: str | None) -> None:
        self.post_message(ReviewLoaded(self.app.store.review.week(week)))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "review":
            self.query_one("#review-text", Static).update(could_not_load(error))

    def on_review_recorded(self, message: ReviewRecorded) -> None:
        self.app.notify(message.summary, markup=False)
        self.action_reload()

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        from tracker.core.review.render import render_text

        review = message.review
        self.review = review
        self.week = review.week
        pending = len(decision_items(review))
        self.query_one("#review-title", Static).update(literal(
            f"Review {review.week} · {review.start} to {review.end} · {pending} to decide (w)"))
        self.sub_title = review.week
        self.query_one("#review-opened", Sparkline).data = [t.opened for t in review.trend]
        self.query_one("#review-closed", Sparkline).data = [t.closed for t in review.trend]
        self.query_one("#review-text", Static).update(literal(render_text(review)))

    def on_failed(self, message: Failed) -> None:
        self.app.report(message.error)

    def action_week(self, step: int) -> None:
        if self.review is None:
            return
        from tracker.core.review import week_name

        self.week = week_name(self.review.start + timedelta(weeks=step))
        self.action_reload()

    def action_walk(self) -> None:
        if self.review is None:
            return
        items = decision_items(self.review)
        if not items:
            self.app.notify("Nothing needs a decision this week.")
            return
        from tracker.tui.screens.walkthrough import WalkthroughScreen

        self.app.push_screen(WalkthroughScreen(self.review.week, items), callback=self._walked)

    def _walked(self, decisions: list[str] | None) -> None:
        self.action_reload()
        if decisions:
            from tracker.tui.dialogs.confirm import ConfirmDialog

            summary = "\n".join(decisions[:15]) + (f"\n… and {len(decisions) - 15} more" if len(decisions) > 15
                                                   else "")
            self.ask_yes(
                ConfirmDialog(f"{len(decisions)} decision{'s' if len(decisions) != 1 else ''}:\n{summary}"
                              "\n\nWrite and commit the review?",
                              "Write and commit", "Not now"),
                self.action_record,
            )

    def action_record(self) -> None:
        if self.review is not None:
            self._record(self.review.week)

    @work(thread=True, exclusive=True, group="review-record", exit_on_error=False)
    def _record(self, week: str) -> None:
        from tracker.repo import gitsync

        store = self.app.store
        try:
            record = store.review.record(week, commit=True)
            done = f"Wrote {record.path}; committed {record.commit.short}" if record.commit else ""
        except gitsync.GitUnavailable as error:
            try:
                record = store.review.record(week, commit=False)
            except TrackerError as inner:
                self.post_message(Failed(inner))
                return
            done = f"Wrote {record.path} (not committed: {error})"
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ReviewRecorded(done))

    def on_data_changed(self, message: DataChanged) -> None:
        self.action_reload()
