"""Importing status-page reports in the app: a plan to preview first, then the write."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from tracker.storage.database import Db
from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.exchange.apply import ImportPlan


class Imported(NamedTuple):
    incident_id: int
    """The first report's incident, created or updated."""
    summary: str
    """What was written, in one line for the user."""


class ImportService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def plan(self, data: bytes, source: str) -> list[ImportPlan]:
        """Parse a report and say what importing it would do; writes nothing."""
        from tracker.exchange.apply import plan_report
        from tracker.exchange.statuspage import cause_rules, parse

        reports = parse(data, source)
        rules = cause_rules(self._shared.settings.cause_rules)
        return self._shared.run(lambda db: [plan_report(db, report, rules) for report in reports])

    def apply(self, plans: list[ImportPlan], causes: list[str], actions: list[int]) -> Imported:
        """Write the previewed reports; causes and actions as accepted (they apply to a single report)."""
        from tracker.exchange.apply import apply_plan

        shared = self._shared

        def job(db: Db) -> Imported:
            done = []
            for plan in plans:
                single = len(plans) == 1
                incident_id, counts = apply_plan(
                    db, plan, actor=shared.actor, today=shared.today, slo_days=shared.settings.slo_days,
                    causes=causes if single else [], actions=actions if single else None,
                    clock=shared.settings.clock,
                )
                done.append((incident_id, counts))
            summary = ", ".join(f"INC-{i} ({c['timeline']} updates, {c['actions']} actions)" for i, c in done)
            return Imported(done[0][0], f"Imported {summary}")

        return shared.run(job)
