"""Generate a large, realistic tracker database (and, optionally, the same data for taskwarrior).

Usage::

    python benchmarks/generate.py --actions 100000 --incidents 2000 --out /tmp/bench.db \
        [--seed 42] [--taskdata /tmp/bench-task] [--force]

The database is created by the tracker itself (``python -m tracker --db PATH init --empty``, run
with the same interpreter, so the schema comes from the real migrations), then filled with the
standard library's ``sqlite3``: one transaction, ``executemany`` per table. The schema's FTS insert
trigger is lifted for the load and put back unchanged after one ``rebuild`` of ``action_fts``
(row-by-row indexing would triple the load time); ``tracker db check`` passes on the result.

Data is spread around a fixed "today" (2026-11-23, the ``TRACKER_TODAY`` the benchmarks use): about
20 owners ``team-00`` .. ``team-19`` (a few actions unowned), most actions open or in progress, due
dates within +/-120 days of today so that a good share is overdue, each action linked to a random
incident (and some to a root cause), and one ``created`` history event per action.

With ``--taskdata DIR`` the same actions are also written as a taskwarrior 2.6 data directory
(``DIR/pending.data``, ``DIR/completed.data``) plus ``DIR/taskrc`` pointing at it:

* owner ``team-07`` becomes the tag ``team_07`` (taskwarrior 2.6 cannot filter on a tag containing
  ``-``: ``task +team-07 list`` is parsed as ``+team - 07`` and fails);
* incident ``INC-12`` becomes ``project:inc12``; P1/P2/P3 become priority H/M/L;
* ``in_progress`` actions get a ``start`` time; ``done`` goes to completed.data as ``completed`` and
  ``wont_do`` as ``deleted``, both with an ``end`` time;
* strings are encoded the way taskwarrior 2.6.2 itself writes them: JSON escapes (``\\"``, ``\\\\``)
  and ``[``/``]`` as ``&open;``/``&close;`` (2.6.2 does not decode the older ``&dquot;``).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import TODAY as BENCH_TODAY
from harness import bench_parser

from tracker.storage.tally import recount_statements

TODAY = date.fromisoformat(BENCH_TODAY)
"""The fixed "today" the data is spread around (matches ``TRACKER_TODAY`` in the benchmarks)."""

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""No generated timestamp is later than this."""

OWNERS = tuple(f"team-{n:02d}" for n in range(20))
UNOWNED_SHARE = 0.05

STATUS_WEIGHTS = {
    "proposed": 8,
    "open": 40,
    "in_progress": 22,
    "blocked": 5,
    "done": 20,
    "wont_do": 5,
}
CLOSED = frozenset({"done", "wont_do"})
KINDS = ("prevent", "mitigate", "detect", "repair", "process")
PRIORITY_WEIGHTS = {"P1": 15, "P2": 50, "P3": 35}
TASK_PRIORITY = {"P1": "H", "P2": "M", "P3": "L"}
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
DUE_SPREAD_DAYS = 120

ROOT_CAUSES = (
    ("config-change", "Unreviewed configuration change", "change management"),
    ("capacity", "Capacity exhausted under peak load", "capacity"),
    ("expired-cert", "TLS certificate expired", "operations"),
    ("dependency-outage", "Third-party dependency outage", "dependencies"),
    ("bad-deploy", "Faulty deploy without canary", "change management"),
    ("disk-full", "Disk filled up", "capacity"),
    ("dns", "DNS misconfiguration", "network"),
    ("retry-storm", "Retry storm amplified a small failure", "software"),
    ("schema-migration", "Blocking schema migration", "data"),
    ("alert-gap", "No alert fired for the failure mode", "observability"),
)

VERBS = (
    "Add",
    "Automate",
    "Document",
    "Alert on",
    "Rate-limit",
    "Load-test",
    "Remove",
    "Audit",
    "Canary",
    "Back up",
    "Rotate",
    "Add a runbook for",
    "Dashboard",
    "Cap retries for",
    "Shard",
)
OBJECTS = (
    "replication lag",
    "certificate expiry",
    "queue depth",
    "disk usage",
    "config pushes",
    "DNS changes",
    "schema migrations",
    "the deploy pipeline",
    "connection pools",
    "cache misses",
    "on-call handover",
    "feature flags",
    "the failover drill",
    "backup restores",
    "error budgets",
)
SYSTEMS = (
    "payments-db",
    "checkout-api",
    "search",
    "auth",
    "edge-proxy",
    "billing",
    "ledger",
    "notifications",
    "object-store",
    "scheduler",
    "ingest",
    "web",
    "mobile-gw",
    "warehouse",
)


@dataclass(frozen=True, slots=True)
class GenAction:
    """One generated action, in the values both stores need."""

    id: int
    title: str
    description: str
    kind: str
    owner: str | None
    priority: str
    due: date
    status: str
    created: datetime
    updated: datetime
    completed: datetime | None
    incident_id: int
    root_cause_id: int | None


def stamp(value: datetime) -> str:
    """The tracker's storage form: ``2026-11-23T09:30:00.000000+00:00``."""
    return value.isoformat(timespec="microseconds")


def epoch(value: datetime | date) -> int:
    """Seconds since the epoch (a date is taken at UTC midnight)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(value.timestamp())


def _weighted(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def _title(rng: random.Random) -> str:
    title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} on {rng.choice(SYSTEMS)}"
    roll = rng.random()
    if roll < 0.02:
        title += ' ("quick win")'
    elif roll < 0.03:
        title += " [follow-up]"
    return title


def make_actions(rng: random.Random, count: int, incidents: int, causes: int) -> Iterator[GenAction]:
    """Yield ``count`` actions with ids 1..count."""
    statuses = _weighted(rng, STATUS_WEIGHTS, count)
    priorities = _weighted(rng, PRIORITY_WEIGHTS, count)
    for action_id in range(1, count + 1):
        due = TODAY + timedelta(days=rng.randint(-DUE_SPREAD_DAYS, DUE_SPREAD_DAYS))
        created = datetime(due.year, due.month, due.day, tzinfo=UTC) - timedelta(
            days=rng.randint(14, 90), seconds=rng.randint(0, 86_399), microseconds=rng.randint(0, 999_999)
        )
        created = min(
            created,
            NOW - timedelta(days=1, seconds=rng.randint(0, 86_399), microseconds=rng.randint(0, 999_999)),
        )
        updated = created + (NOW - created) * rng.random()
        status = statuses[action_id - 1]
        completed = updated if status in CLOSED else None
        owner = None if rng.random() < UNOWNED_SHARE else rng.choice(OWNERS)
        yield GenAction(
            id=action_id,
            title=_title(rng),
            description=""
            if rng.random() < 0.6
            else f"Follow-up from the postmortem; see {rng.choice(SYSTEMS)}.",
            kind=rng.choice(KINDS),
            owner=owner,
            priority=priorities[action_id - 1],
            due=due,
            status=status,
            created=created,
            updated=updated,
            completed=completed,
            incident_id=rng.randint(1, incidents),
            root_cause_id=rng.randint(1, causes) if rng.random() < 0.3 else None,
        )


# -- tracker ---------------------------------------------------------------------------------


def init_tracker_db(path: Path) -> None:
    """Create an empty database with the tracker's own migrations (same interpreter)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    subprocess.run(
        [sys.executable, "-m", "tracker", "--db", str(path), "init", "--empty"],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )


def _incident_rows(rng: random.Random, count: int) -> Iterator[tuple[object, ...]]:
    for incident_id in range(1, count + 1):
        started = NOW - timedelta(days=rng.randint(1, 400), seconds=rng.randint(0, 86_399))
        text = stamp(started)
        yield (
            incident_id,
            f"{rng.choice(SYSTEMS)} degraded: {rng.choice(OBJECTS)} (#{incident_id})",
            "",
            "incident",
            rng.choice(SEVERITIES),
            "resolved",
            text,
            "",
            "",
            "",
            "",
            "",
            text,
            text,
        )


FTS_INSERT_TRIGGER = "action_fts_ai"
"""The trigger (from migration 0001) that copies each new action into the ``action_fts`` index."""

TALLY_INSERT_TRIGGER = "action_tally_ai"
"""The trigger (from migration 0006) that counts each new action in the tallies."""


def fill_tracker_db(path: Path, actions: Sequence[GenAction], incidents: int, rng: random.Random) -> None:
    """Bulk-insert incidents, root causes, actions and their ``created`` events in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        # Index pages of a 100k-row table do not fit the default 2 MB page cache; spilling them
        # to the WAL mid-transaction makes the load about twice as slow.
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO incident (id, title, company, kind, severity, status, started_at, summary, impact,"
            " customer_action, source, postmortem, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _incident_rows(rng, incidents),
        )
        conn.executemany(
            "INSERT INTO root_cause (id, slug, title, category, description) VALUES (?, ?, ?, ?, ?)",
            [
                (i, slug, title, category, f"{title} (generated for benchmarks).")
                for i, (slug, title, category) in enumerate(ROOT_CAUSES, start=1)
            ],
        )
        # The schema's insert triggers index and count one row at a time (about 5 s per 100k rows for
        # the index alone); instead, take them off for the load, rebuild the index and recount in one
        # pass each, and put the same triggers back.
        lifted = {name: sql for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            (FTS_INSERT_TRIGGER, TALLY_INSERT_TRIGGER))}
        for name in lifted:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany(
            "INSERT INTO action (id, title, description, kind, owner, priority, due_date, status, created_at,"
            " updated_at, completed_at, incident_id, root_cause_id, runbook_path, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1)",
            (
                (
                    a.id,
                    a.title,
                    a.description,
                    a.kind,
                    a.owner,
                    a.priority,
                    a.due.isoformat(),
                    a.status,
                    stamp(a.created),
                    stamp(a.updated),
                    stamp(a.completed) if a.completed else None,
                    a.incident_id,
                    a.root_cause_id,
                )
                for a in actions
            ),
        )
        if FTS_INSERT_TRIGGER in lifted:
            conn.execute("INSERT INTO action_fts(action_fts) VALUES ('rebuild')")
        if TALLY_INSERT_TRIGGER in lifted:
            for sql in recount_statements("sqlite"):
                conn.execute(sql)
        for sql in lifted.values():
            conn.execute(sql)
        conn.executemany(
            "INSERT INTO action_event (action_id, at, actor, field, old_value, new_value, note)"
            " VALUES (?, ?, ?, 'created', NULL, ?, '')",
            ((a.id, stamp(a.created), a.owner or "bench", a.title) for a in actions),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# -- taskwarrior -----------------------------------------------------------------------------


def task_string(value: str) -> str:
    """Encode a string attribute as taskwarrior 2.6.2 writes it in its data files."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("/", "\\/")
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return out.replace("[", "&open;").replace("]", "&close;")


def owner_tag(owner: str) -> str:
    """The taskwarrior tag for an owner handle (``team-07`` -> ``team_07``)."""
    return owner.replace("-", "_")


def task_line(action: GenAction, rng: random.Random) -> str:
    """One task in taskwarrior 2.x's line format, attributes sorted by name."""
    attrs: dict[str, str] = {
        "description": task_string(action.title),
        "due": str(epoch(action.due)),
        "entry": str(epoch(action.created)),
        "modified": str(epoch(action.updated)),
        "priority": TASK_PRIORITY[action.priority],
        "project": f"inc{action.incident_id}",
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }
    if action.owner:
        attrs["tags"] = owner_tag(action.owner)
    if action.status == "in_progress":
        attrs["start"] = str(epoch(action.updated))
    if action.status in CLOSED:
        attrs["status"] = "completed" if action.status == "done" else "deleted"
        attrs["end"] = str(epoch(action.completed or action.updated))
    else:
        attrs["status"] = "pending"
    return "[" + " ".join(f'{name}:"{attrs[name]}"' for name in sorted(attrs)) + "]\n"


TASKRC = """\
# Generated by benchmarks/generate.py
data.location={data}
confirmation=off
verbose=nothing
news.version=2.6.2
gc=on
color=off
# No word-wrapping when stdout is not a terminal: one line per task, like the tracker.
defaultwidth=0
"""


def write_taskdata(directory: Path, actions: Sequence[GenAction], rng: random.Random) -> Path:
    """Write ``pending.data``, ``completed.data`` and a ``taskrc`` into ``directory``; return the taskrc."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("pending.data", "completed.data", "undo.data", "backlog.data"):
        (directory / name).unlink(missing_ok=True)
    with (
        (directory / "pending.data").open("w", encoding="utf-8") as pending,
        (directory / "completed.data").open("w", encoding="utf-8") as completed,
    ):
        for action in actions:
            line = task_line(action, rng)
            (completed if action.status in CLOSED else pending).write(line)
    taskrc = directory / "taskrc"
    taskrc.write_text(TASKRC.format(data=directory.resolve()), encoding="utf-8")
    return taskrc


# -- command line ----------------------------------------------------------------------------


def generate(
    out: Path,
    *,
    actions: int,
    incidents: int,
    seed: int = 42,
    taskdata: Path | None = None,
    force: bool = False,
) -> dict[str, float]:
    """Create both stores; return the seconds each step took."""
    if actions < 0 or incidents < 1:
        raise ValueError("need --actions >= 0 and --incidents >= 1")
    for suffix in ("", "-wal", "-shm", "-journal"):
        existing = Path(f"{out}{suffix}")
        if existing.exists():
            if not force:
                raise FileExistsError(f"{existing} exists (use --force to replace it)")
            existing.unlink()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    init_tracker_db(out)
    timings["init"] = time.perf_counter() - started

    rng = random.Random(seed)
    started = time.perf_counter()
    rows = list(make_actions(rng, actions, incidents, len(ROOT_CAUSES)))
    timings["make"] = time.perf_counter() - started

    started = time.perf_counter()
    fill_tracker_db(out, rows, incidents, rng)
    timings["sqlite"] = time.perf_counter() - started

    if taskdata is not None:
        started = time.perf_counter()
        write_taskdata(taskdata, rows, random.Random(seed + 1))
        timings["taskdata"] = time.perf_counter() - started
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--actions", type=int, required=True, help="number of actions (N)")
    parser.add_argument("--incidents", type=int, required=True, help="number of incidents (M)")
    parser.add_argument("--out", type=Path, required=True, help="tracker database to create")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--taskdata", type=Path, help="also write the actions as taskwarrior data here")
    parser.add_argument("--force", action="store_true", help="replace an existing database at --out")
    args = parser.parse_args(argv)
    try:
        timings = generate(
            args.out,
            actions=args.actions,
            incidents=args.incidents,
            seed=args.seed,
            taskdata=args.taskdata,
            force=args.force,
        )
    except (ValueError, FileExistsError) as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"generate: `tracker init` failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    steps = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in timings.items())
    print(f"{args.out}: {args.actions} actions, {args.incidents} incidents ({steps})")
    if args.taskdata is not None:
        print(f"{args.taskdata}: taskwarrior data; use TASKRC={args.taskdata / 'taskrc'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
