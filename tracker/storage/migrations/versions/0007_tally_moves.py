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


def _counted(table: str, columns: list[str], values: list[str], when: str, row: str, sign: str) -> list[str]:
    """Add (``+``) or remove (``-``) ``row``'s count in a tally keyed by ``columns``."""
    names = ", ".join(columns)
    rendered = [v.format(row=row) for v in values]
    condition = when.format(row=row)
    if sign == "+":
        return [f"INSERT INTO {table} ({names}, n) SELECT {', '.join(rendered)}, 1 WHERE {condition}"
                f" ON CONFLICT ({names}) DO UPDATE SET n = n + 1;"]
    match = " AND ".join(f"{c} = {v}" for c, v in zip(columns, rendered, strict=True))
    return [f"UPDATE {table} SET n = n - 1 WHERE {match} AND {condition};",
            f"DELETE FROM {table} WHERE {match} AND n <= 0;"]


def _moves() -> list[tuple[str, list[str], list[str]]]:
    """(trigger name, the columns it watches, its statements) for each count."""
    moves = []
    owner_key = ["{row}.status", "{row}.due_date", "coalesce({row}.owner, '')"]
    moves.append(("action_tally_au", ["owner", "status", "due_date"],
                  [*_counted("action_tally", ["status", "due_date", "owner"], owner_key, "1", "old", "-"),
                   *_counted("action_tally", ["status", "due_date", "owner"], owner_key, "1", "new", "+")]))
    for stamp in STAMPS:
        key = [f"'{stamp}'", "{row}.status", f"substr({{row}}.{stamp}, 1, 10)"]
        when = f"{{row}}.{stamp} IS NOT NULL"
        moves.append((f"action_day_tally_au_{stamp}", ["status", stamp],
                      [*_counted("action_day_tally", ["stamp", "status", "day"], key, when, "old", "-"),
                       *_counted("action_day_tally", ["stamp", "status", "day"], key, when, "new", "+")]))
    cause_key = ["{row}.root_cause_id", "{row}.kind", "{row}.status"]
    moves.append(("cause_tally_au", ["root_cause_id", "kind", "status"],
                  [*_counted("cause_tally", ["root_cause_id", "kind", "status"], cause_key,
                             "{row}.root_cause_id IS NOT NULL", "old", "-"),
                   *_counted("cause_tally", ["root_cause_id", "kind", "status"], cause_key,
                             "{row}.root_cause_id IS NOT NULL", "new", "+")]))
    moves.append(("incident_tally_au", ["incident_id"],
                  ["UPDATE incident_tally SET n = n - 1 WHERE incident_id = old.incident_id;",
                   "UPDATE incident_tally SET n = n + 1 WHERE incident_id = new.incident_id;"]))
    return moves


def _changed(name: str, columns: list[str]) -> str:
    """SQL true when the key a trigger counts by differs between ``old`` and ``new``."""
    if name.startswith("action_day_tally_au_"):
        stamp = columns[1]
        return f"old.status IS NOT new.status OR substr(old.{stamp}, 1, 10) IS NOT substr(new.{stamp}, 1, 10)"
    if name == "action_tally_au":
        return ("old.status IS NOT new.status OR old.due_date IS NOT new.due_date"
                " OR coalesce(old.owner, '') IS NOT coalesce(new.owner, '')")
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS action_tally_au")
    for name, columns, statements in _moves():
        op.execute(f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON action"
                   f" WHEN {_changed(name, columns)} BEGIN {' '.join(statements)} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, _, _ in _moves():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    statements: list[str] = []
    for row, sign in (("old", "-"), ("new", "+")):
        for table, columns, key, when in _all_counts():
            statements += _counted(table, columns, key, when, row, sign)
        statements.append(f"UPDATE incident_tally SET n = n {sign} 1 WHERE incident_id = {row}.incident_id;")
    op.execute(f"CREATE TRIGGER action_tally_au AFTER UPDATE OF {OLD_WATCHED} ON action BEGIN "
               + " ".join(statements) + " END")


def _all_counts() -> list[tuple[str, list[str], list[str], str]]:
    """The counts 0006's single update trigger moved, in its order (for the downgrade)."""
    return [
        ("action_tally", ["status", "due_date", "owner"],
         ["{row}.status", "{row}.due_date", "coalesce({row}.owner, '')"], "1"),
        *[("action_day_tally", ["stamp", "status", "day"],
           [f"'{stamp}'", "{row}.status", f"substr({{row}}.{stamp}, 1, 10)"], f"{{row}}.{stamp} IS NOT NULL")
          for stamp in STAMPS],
        ("cause_tally", ["root_cause_id", "kind", "status"], ["{row}.root_cause_id", "{row}.kind", "{row}.status"],
         "{row}.root_cause_id IS NOT NULL"),
    ]
