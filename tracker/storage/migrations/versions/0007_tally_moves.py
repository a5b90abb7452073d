"""SQLite: an update moves an action's counts only where their key changed, as PostgreSQL already does.

Migration ``0006_tallies`` kept the counts on SQLite with one trigger on every watched column, which took
every count off the old row and put it back on the new one: sixteen statements for any edit, and pages
written for counts that did not move. Editing an owner, the most common change, touched the cause, the
incident and all three day counts. It is now one trigger per count, each fired by its own columns and
only when its key differs (``IS NOT``, so a NULL on either side counts as a change):

* ``action_tally_au``: owner, status, due date;
* ``action_day_tally_au_<stamp>``: status and that timestamp's UTC day, one for each of created, updated
  and completed;
* ``cause_tally_au``: root cause, kind, status;
* ``incident_tally_au``: incident.

PostgreSQL's trigger function already skips a count whose key is the same: nothing changes there.

Revision ID: 0007_tally_moves
Revises: 0006_tallies
"""

from __future__ import annotations

from alembic import op

revision = "0007_tally_moves"
down_revision = "0006_tallies"
branch_labels = None
depends_on = None

STAMPS = ("created_at", "updated_at", "completed_at")

OLD_WATCHED = "owner, status, due_date, kind, root_cause_id, incident_id, created_at, updated_at, completed_at"


class _Count:
    """One kept count: its table, the columns of its key and their values on a row (``{row}`` is ``old`` or
    ``new``), when a row is counted at all, and the trigger that now moves it with the columns it watches."""

    def __init__(self, trigger: str, table: str, columns: list[str], key: list[str], when: str,
                 watched: list[str]) -> None:
        self.trigger, self.table, self.columns, self.key, self.when = trigger, table, columns, key, when
        self.watched = watched

    def statements(self, row: str, sign: str) -> list[str]:
        """Add (``+``) or remove (``-``) ``row``'s count."""
        values = [v.format(row=row) for v in self.key]
        if self.table == "incident_tally":  # every incident has its row: counting is an update
            return [f"UPDATE incident_tally SET n = n {sign} 1 WHERE incident_id = {values[0]};"]
        names = ", ".join(self.columns)
        condition = self.when.format(row=row)
        if sign == "+":
            return [f"INSERT INTO {self.table} ({names}, n) SELECT {', '.join(values)}, 1 WHERE {condition}"
                    f" ON CONFLICT ({names}) DO UPDATE SET n = n + 1;"]
        match = " AND ".join(f"{c} = {v}" for c, v in zip(self.columns, values, strict=True))
        return [f"UPDATE {self.table} SET n = n - 1 WHERE {match} AND {condition};",
                f"DELETE FROM {self.table} WHERE {match} AND n <= 0;"]

    def changed(self) -> str:
        """SQL true when the row's key differs between ``old`` and ``new``."""
        return " OR ".join(f"{v.format(row='old')} IS NOT {v.format(row='new')}" for v in self.key if "{row}" in v)


COUNTS = [
    _Count("action_tally_au", "action_tally", ["status", "due_date", "owner"],
           ["{row}.status", "{row}.due_date", "coalesce({row}.owner, '')"], "1", ["owner", "status", "due_date"]),
    *[_Count(f"action_day_tally_au_{stamp}", "action_day_tally", ["stamp", "status", "day"],
             [f"'{stamp}'", "{row}.status", f"substr({{row}}.{stamp}, 1, 10)"], f"{{row}}.{stamp} IS NOT NULL",
             ["status", stamp]) for stamp in STAMPS],
    _Count("cause_tally_au", "cause_tally", ["root_cause_id", "kind", "status"],
           ["{row}.root_cause_id", "{row}.kind", "{row}.status"], "{row}.root_cause_id IS NOT NULL",
           ["root_cause_id", "kind", "status"]),
    _Count("incident_tally_au", "incident_tally", ["incident_id"], ["{row}.incident_id"], "1", ["incident_id"]),
]
"""In 0006's order: its single trigger took them all off ``old``, then put them all on ``new``."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS action_tally_au")
    for count in COUNTS:
        body = " ".join([*count.statements("old", "-"), *count.statements("new", "+")])
        op.execute(f"CREATE TRIGGER {count.trigger} AFTER UPDATE OF {', '.join(count.watched)} ON action"
                   f" WHEN {count.changed()} BEGIN {body} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for count in COUNTS:
        op.execute(f"DROP TRIGGER IF EXISTS {count.trigger}")
    body = " ".join(statement for row, sign in (("old", "-"), ("new", "+"))
                    for count in COUNTS for statement in count.statements(row, sign))
    op.execute(f"CREATE TRIGGER action_tally_au AFTER UPDATE OF {OLD_WATCHED} ON action BEGIN {body} END")
