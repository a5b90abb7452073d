"""Counts kept as the actions change, and indexes, so that a page, a count or a summary costs the same
at a million actions as at a hundred.

* ``action_tally``: actions by (owner, status, due date); ``''`` stands for no owner. Open, overdue,
  due-soon, proposed and blocked counts, per owner or in all, add up a few rows per day.
* ``action_day_tally``: actions by the UTC day they were created, last updated and completed, with
  their status: the review's trend, stale and closed-this-week counts.
* ``cause_tally``: actions by (root cause, kind, status), for the taxonomy's prevent counts.
* ``incident_tally``: actions per incident (every incident has its row, 0 included), for the review's
  incidents without actions; ``row_tally``: how many incidents there are.

Triggers on ``action`` keep them in the same transaction as the change (SQLite: SQL triggers beside
the FTS ones, which are left alone; PostgreSQL: one PL/pgSQL function that touches the rows in a fixed
order so concurrent writers do not deadlock). The ``action`` table itself is not rebuilt.

Indexes: ``action_event(note)`` (``COLLATE "C"`` on PostgreSQL) for the review's decisions, found by
note prefix; ``action(incident_id, status)`` for open actions per incident; ``action(root_cause_id,
status, completed_at)`` for what was done against a recurring cause; ``incident(started_at)`` for the
week's new incidents.

Revision ID: 0006_tallies
Revises: 0005_incident_lifecycle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_tallies"
down_revision = "0005_incident_lifecycle"
branch_labels = None
depends_on = None

STAMPS = ("created_at", "updated_at", "completed_at")
"""The action's timestamps counted by UTC day in ``action_day_tally`` (its ``stamp`` column names them)."""

WATCHED = "owner, status, due_date, kind, root_cause_id, incident_id, created_at, updated_at, completed_at"
"""The columns of ``action`` whose change moves a count."""


def _tables() -> None:
    op.create_table(
        "action_tally",
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "due_date", "owner", name=op.f("pk_action_tally")),
    )
    op.create_table(
        "action_day_tally",
        sa.Column("stamp", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stamp", "status", "day", name=op.f("pk_action_day_tally")),
    )
    op.create_table(
        "cause_tally",
        sa.Column("root_cause_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("root_cause_id", "kind", "status", name=op.f("pk_cause_tally")),
    )
    op.create_table(
        "incident_tally",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_tally")),
    )
    op.create_index(op.f("ix_incident_tally_n"), "incident_tally", ["n"])
    op.create_table(
        "row_tally",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_row_tally")),
    )


def _sqlite_triggers() -> None:
    def add(row: str, sign: str) -> list[str]:
        """The statements adding (``+``) or removing (``-``) the counts of ``row`` (``new`` or ``old``)."""
        tallies: list[tuple[str, list[str], list[str], str]] = [
            ("action_tally", ["status", "due_date", "owner"],
             [f"{row}.status", f"{row}.due_date", f"coalesce({row}.owner, '')"], "1"),
            *[("action_day_tally", ["stamp", "status", "day"],
               [f"'{stamp}'", f"{row}.status", f"substr({row}.{stamp}, 1, 10)"], f"{row}.{stamp} IS NOT NULL")
              for stamp in STAMPS],
            ("cause_tally", ["root_cause_id", "kind", "status"],
             [f"{row}.root_cause_id", f"{row}.kind", f"{row}.status"], f"{row}.root_cause_id IS NOT NULL"),
            ("incident_tally", ["incident_id"], [f"{row}.incident_id"], f"{row}.incident_id IS NOT NULL"),
        ]
        steps = []
        for table, columns, values, when in tallies:
            names = ", ".join(columns)
            if table == "incident_tally" and sign == "+":
                # Every incident has its row (made with the incident), so counting is an update.
                steps.append(f"UPDATE incident_tally SET n = n + 1 WHERE incident_id = {row}.incident_id;")
                continue
            if table == "incident_tally":
                steps.append(f"UPDATE incident_tally SET n = n - 1 WHERE incident_id = {row}.incident_id;")
                continue
            if sign == "+":
                steps.append(f"INSERT INTO {table} ({names}, n) SELECT {', '.join(values)}, 1 WHERE {when}"
                             f" ON CONFLICT ({names}) DO UPDATE SET n = n + 1;")
            else:
                match = " AND ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))
                steps.append(f"UPDATE {table} SET n = n - 1 WHERE {match} AND {when};")
                steps.append(f"DELETE FROM {table} WHERE {match} AND n <= 0;")
        return steps

    op.execute("CREATE TRIGGER action_tally_ai AFTER INSERT ON action BEGIN " + " ".join(add("new", "+")) + " END")
    op.execute("CREATE TRIGGER action_tally_ad AFTER DELETE ON action BEGIN " + " ".join(add("old", "-")) + " END")
    op.execute(f"CREATE TRIGGER action_tally_au AFTER UPDATE OF {WATCHED} ON action BEGIN "
               + " ".join(add("old", "-") + add("new", "+")) + " END")
    op.execute("CREATE TRIGGER incident_tally_ai AFTER INSERT ON incident BEGIN"
               " INSERT INTO incident_tally (incident_id, n) VALUES (new.id, 0) ON CONFLICT (incident_id) DO NOTHING;"
               " UPDATE row_tally SET n = n + 1 WHERE name = 'incident'; END")
    op.execute("CREATE TRIGGER incident_tally_ad AFTER DELETE ON incident BEGIN"
               " DELETE FROM incident_tally WHERE incident_id = old.id;"
               " UPDATE row_tally SET n = n - 1 WHERE name = 'incident'; END")


PG_FUNCTIONS = (
    """CREATE FUNCTION action_tally_add(o text, s text, d date, delta int) RETURNS void LANGUAGE sql AS $$
        INSERT INTO action_tally AS t (status, due_date, owner, n) VALUES (s, d, coalesce(o, ''), delta)
        ON CONFLICT (status, due_date, owner) DO UPDATE SET n = t.n + EXCLUDED.n $$""",
    """CREATE FUNCTION action_day_tally_add(st text, s text, d timestamptz, delta int) RETURNS void
        LANGUAGE sql AS $$
        INSERT INTO action_day_tally AS t (stamp, status, day, n)
        SELECT st, s, CAST(d AT TIME ZONE 'UTC' AS DATE), delta WHERE d IS NOT NULL
        ON CONFLICT (stamp, status, day) DO UPDATE SET n = t.n + EXCLUDED.n $$""",
    """CREATE FUNCTION cause_tally_add(c int, k text, s text, delta int) RETURNS void LANGUAGE sql AS $$
        INSERT INTO cause_tally AS t (root_cause_id, kind, status, n) SELECT c, k, s, delta WHERE c IS NOT NULL
        ON CONFLICT (root_cause_id, kind, status) DO UPDATE SET n = t.n + EXCLUDED.n $$""",
    # An update moves one count from the old key to the new one (nothing when the key is the same). The
    # rows are touched in one order, table by table and key by key, so that two writers never wait for
    # each other in a cycle.
    """CREATE FUNCTION action_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        stamps CONSTANT text[] := ARRAY['created_at', 'updated_at', 'completed_at'];
        old_at timestamptz[];
        new_at timestamptz[];
        i int;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM action_tally_add(NEW.owner, NEW.status, NEW.due_date, 1);
            new_at := ARRAY[NEW.created_at, NEW.updated_at, NEW.completed_at];
            FOR i IN 1..3 LOOP
                PERFORM action_day_tally_add(stamps[i], NEW.status, new_at[i], 1);
            END LOOP;
            PERFORM cause_tally_add(NEW.root_cause_id, NEW.kind, NEW.status, 1);
            UPDATE incident_tally SET n = n + 1 WHERE incident_id = NEW.incident_id;
            RETURN NULL;
        END IF;
        IF TG_OP = 'DELETE' THEN
            PERFORM action_tally_add(OLD.owner, OLD.status, OLD.due_date, -1);
            old_at := ARRAY[OLD.created_at, OLD.updated_at, OLD.completed_at];
            FOR i IN 1..3 LOOP
                PERFORM action_day_tally_add(stamps[i], OLD.status, old_at[i], -1);
            END LOOP;
            PERFORM cause_tally_add(OLD.root_cause_id, OLD.kind, OLD.status, -1);
            UPDATE incident_tally SET n = n - 1 WHERE incident_id = OLD.incident_id;
            RETURN NULL;
        END IF;
        IF (OLD.status, OLD.due_date, coalesce(OLD.owner, '')) < (NEW.status, NEW.due_date, coalesce(NEW.owner, ''))
        THEN
            PERFORM action_tally_add(OLD.owner, OLD.status, OLD.due_date, -1);
            PERFORM action_tally_add(NEW.owner, NEW.status, NEW.due_date, 1);
        ELSIF (OLD.status, OLD.due_date, coalesce(OLD.owner, '')) > (NEW.status, NEW.due_date, coalesce(NEW.owner, ''))
        THEN
            PERFORM action_tally_add(NEW.owner, NEW.status, NEW.due_date, 1);
            PERFORM action_tally_add(OLD.owner, OLD.status, OLD.due_date, -1);
        END IF;
        old_at := ARRAY[OLD.created_at, OLD.updated_at, OLD.completed_at];
        new_at := ARRAY[NEW.created_at, NEW.updated_at, NEW.completed_at];
        FOR i IN 1..3 LOOP
            IF OLD.status = NEW.status AND (old_at[i] AT TIME ZONE 'UTC')::date
                    IS NOT DISTINCT FROM (new_at[i] AT TIME ZONE 'UTC')::date THEN
                CONTINUE;
            END IF;
            IF (OLD.status, coalesce(old_at[i], '-infinity')) <= (NEW.status, coalesce(new_at[i], '-infinity')) THEN
                PERFORM action_day_tally_add(stamps[i], OLD.status, old_at[i], -1);
                PERFORM action_day_tally_add(stamps[i], NEW.status, new_at[i], 1);
            ELSE
                PERFORM action_day_tally_add(stamps[i], NEW.status, new_at[i], 1);
                PERFORM action_day_tally_add(stamps[i], OLD.status, old_at[i], -1);
            END IF;
        END LOOP;
        IF (OLD.root_cause_id, OLD.kind, OLD.status) IS DISTINCT FROM (NEW.root_cause_id, NEW.kind, NEW.status) THEN
            IF (coalesce(OLD.root_cause_id, 0), OLD.kind, OLD.status)
                    <= (coalesce(NEW.root_cause_id, 0), NEW.kind, NEW.status) THEN
                PERFORM cause_tally_add(OLD.root_cause_id, OLD.kind, OLD.status, -1);
                PERFORM cause_tally_add(NEW.root_cause_id, NEW.kind, NEW.status, 1);
            ELSE
                PERFORM cause_tally_add(NEW.root_cause_id, NEW.kind, NEW.status, 1);
                PERFORM cause_tally_add(OLD.root_cause_id, OLD.kind, OLD.status, -1);
            END IF;
        END IF;
        IF OLD.incident_id IS DISTINCT FROM NEW.incident_id THEN
            IF coalesce(OLD.incident_id, 0) < coalesce(NEW.incident_id, 0) THEN
                UPDATE incident_tally SET n = n - 1 WHERE incident_id = OLD.incident_id;
                UPDATE incident_tally SET n = n + 1 WHERE incident_id = NEW.incident_id;
            ELSE
                UPDATE incident_tally SET n = n + 1 WHERE incident_id = NEW.incident_id;
                UPDATE incident_tally SET n = n - 1 WHERE incident_id = OLD.incident_id;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$""",
)


PG_INCIDENT_FUNCTION = """CREATE FUNCTION incident_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO incident_tally (incident_id, n) VALUES (NEW.id, 0) ON CONFLICT (incident_id) DO NOTHING;
            UPDATE row_tally SET n = n + 1 WHERE name = 'incident';
        ELSE
            DELETE FROM incident_tally WHERE incident_id = OLD.id;
            UPDATE row_tally SET n = n - 1 WHERE name = 'incident';
        END IF;
        RETURN NULL;
    END
    $$"""


def _pg_triggers() -> None:
    for function in (*PG_FUNCTIONS, PG_INCIDENT_FUNCTION):
        op.execute(function)
    op.execute(f"CREATE TRIGGER action_tally AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON action"
               " FOR EACH ROW EXECUTE FUNCTION action_tally_change()")
    op.execute("CREATE TRIGGER incident_tally AFTER INSERT OR DELETE ON incident"
               " FOR EACH ROW EXECUTE FUNCTION incident_tally_change()")


def _backfill(day: str) -> None:
    op.execute("INSERT INTO action_tally (status, due_date, owner, n)"
               " SELECT status, due_date, coalesce(owner, ''), COUNT(*) FROM action GROUP BY 1, 2, 3")
    for stamp in STAMPS:
        op.execute(f"INSERT INTO action_day_tally (stamp, status, day, n) SELECT '{stamp}', status,"
                   f" {day.format(column=stamp)}, COUNT(*) FROM action WHERE {stamp} IS NOT NULL GROUP BY 2, 3")
    op.execute("INSERT INTO cause_tally (root_cause_id, kind, status, n) SELECT root_cause_id, kind, status, COUNT(*)"
               " FROM action WHERE root_cause_id IS NOT NULL GROUP BY 1, 2, 3")
    op.execute("INSERT INTO incident_tally (incident_id, n) SELECT i.id, (SELECT COUNT(*) FROM action a"
               " WHERE a.incident_id = i.id) FROM incident i")
    op.execute("INSERT INTO row_tally (name, n) SELECT 'incident', COUNT(*) FROM incident")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _tables()
    if sqlite:
        _backfill("substr({column}, 1, 10)")
        _sqlite_triggers()
        op.create_index("ix_action_event_note", "action_event", ["note"])
    else:
        _backfill("CAST({column} AT TIME ZONE 'UTC' AS DATE)")
        _pg_triggers()
        op.execute('CREATE INDEX ix_action_event_note ON action_event (note COLLATE "C")')
    op.create_index("ix_action_incident_id_status", "action", ["incident_id", "status"])
    op.create_index("ix_action_root_cause_id_status_completed_at", "action", ["root_cause_id", "status", "completed_at"])
    op.create_index("ix_incident_started_at", "incident", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_incident_started_at", table_name="incident")
    op.drop_index("ix_action_root_cause_id_status_completed_at", table_name="action")
    op.drop_index("ix_action_incident_id_status", table_name="action")
    op.drop_index("ix_action_event_note", table_name="action_event")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("action_tally_ai", "action_tally_ad", "action_tally_au", "incident_tally_ai",
                        "incident_tally_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute("DROP TRIGGER IF EXISTS incident_tally ON incident")
        op.execute("DROP FUNCTION IF EXISTS incident_tally_change()")
        op.execute("DROP TRIGGER IF EXISTS action_tally ON action")
        op.execute("DROP FUNCTION IF EXISTS action_tally_change()")
        op.execute("DROP FUNCTION IF EXISTS action_tally_add(text, text, date, int)")
        op.execute("DROP FUNCTION IF EXISTS action_day_tally_add(text, text, timestamptz, int)")
        op.execute("DROP FUNCTION IF EXISTS cause_tally_add(int, text, text, int)")
    op.drop_index(op.f("ix_incident_tally_n"), table_name="incident_tally")
    for table in ("row_tally", "incident_tally", "cause_tally", "action_day_tally", "action_tally"):
        op.drop_table(table)
