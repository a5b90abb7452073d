"""The tracker's state as Prometheus metrics, for node_exporter's textfile collector.

Gauges only (no ``_total``: these are levels, not counters), each from one grouped query, and every
label combination of the closed vocabularies present (0 when empty), so a series never vanishes when
its count drops to zero:

- ``tracker_actions_open{priority,kind}``: actions proposed, open, in progress or blocked;
- ``tracker_actions_overdue{priority}``: of those, due before today;
- ``tracker_actions_breaching_slo{priority}``: of those, past their SLO's deadline (``tracker.core.slo``);
- ``tracker_incidents{severity,status}``: incidents, maintenance included;
- ``tracker_runbooks_stale``: runbooks whose review is due or whose cause struck since they changed, as of
  the runbook index (refreshed by the runbook commands and the app);
- ``tracker_cause_incidents{cause}``: incidents linked to each root cause (any role), by slug.

A registry of its own (never the process-wide default one) holds them; ``write_to_textfile`` writes
the file atomically (a temporary file renamed over it), so the collector never reads half a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from tracker.base.enums import OPEN_STATUSES, ActionKind, IncidentStatus, Priority, Severity
from tracker.core.insights.queries import open_breaching
from tracker.core.runbooks.index import list_runbooks
from tracker.storage.database import Db

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


def collect(db: Db, *, today: date, targets: Mapping[str, int]) -> CollectorRegistry:
    """A fresh registry holding the tracker's gauges as of ``today``."""
    from prometheus_client import CollectorRegistry, Gauge  # only this command pays for importing it

    registry = CollectorRegistry(auto_describe=True)
    priorities = [p.value for p in Priority]

    open_actions = Gauge("tracker_actions_open", "Open actions (proposed, open, in progress, blocked).",
                         ["priority", "kind"], registry=registry)
    for priority in priorities:
        for kind in ActionKind:
            open_actions.labels(priority, kind.value).set(0)
    for priority, kind, n in db.cursor(
        f"SELECT a.priority, a.kind, COUNT(*) FROM action a WHERE a.status IN ({_OPEN}) GROUP BY 1, 2"
    ):
        open_actions.labels(priority, kind).set(int(n))

    overdue = Gauge("tracker_actions_overdue", "Open actions due before today.", ["priority"], registry=registry)
    found = dict(db.rows(f"SELECT a.priority, COUNT(*) FROM action a WHERE a.status IN ({_OPEN})"
                         " AND a.due_date < :today GROUP BY 1", {"today": today}))
    for priority in priorities:
        overdue.labels(priority).set(int(found.get(priority, 0)))

    breaching = Gauge("tracker_actions_breaching_slo", "Open actions past their priority's SLO (days to close).",
                      ["priority"], registry=registry)
    found = open_breaching(db, today, targets)
    for priority in priorities:
        breaching.labels(priority).set(found.get(priority, 0))

    incidents = Gauge("tracker_incidents", "Incidents by severity and status.", ["severity", "status"],
                      registry=registry)
    for severity in Severity:
        for status in IncidentStatus:
            incidents.labels(severity.value, status.value).set(0)
    for severity, status, n in db.cursor("SELECT severity, status, COUNT(*) FROM incident GROUP BY 1, 2"):
        incidents.labels(severity, status).set(int(n))

    stale = Gauge("tracker_runbooks_stale", "Runbooks that need a review (as of the runbook index).",
                  registry=registry)
    stale.set(sum(1 for book in list_runbooks(db, today) if book.stale))

    causes = Gauge("tracker_cause_incidents", "Incidents linked to each root cause.", ["cause"], registry=registry)
    for slug, n in db.cursor("SELECT rc.slug, COUNT(x.incident_id) FROM root_cause rc"
                             " LEFT JOIN incident_root_cause x ON x.root_cause_id = rc.id GROUP BY rc.slug"):
        causes.labels(slug).set(int(n))
    return registry


def metrics_text(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus' text exposition format."""
    from prometheus_client import generate_latest

    return generate_latest(registry)


def write_textfile(path: str, registry: CollectorRegistry) -> None:
    """Write the registry to ``path`` atomically (temporary file in the same folder, then rename)."""
    from prometheus_client import write_to_textfile

    write_to_textfile(path, registry)
