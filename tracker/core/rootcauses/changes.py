"""Changing the taxonomy: add a cause, edit it, rename it, merge it into another, retire it.

Renamed and merged slugs stay as aliases (``tracker.core.rootcauses.names``), so whatever named the
old slug still resolves. A merge moves the incident links and the actions of one cause onto another,
each move recorded in the history of the incident or action it touched.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import CauseRole
from tracker.base.errors import InputError
from tracker.base.text import shown
from tracker.core.history import bump_incident, record_action_event, record_incident_event
from tracker.core.rootcauses.names import CauseName, check_new_slug, find_cause, resolve_cause
from tracker.core.rootcauses.suggest import similar_titles
from tracker.core.validate import clean_text, clean_title
from tracker.storage.database import Db

CATEGORY_MAX = 80


class SimilarCauseError(InputError):
    """A new cause's title is close to an existing one: reuse it, or add anyway with ``--force``."""


class MergePlan(NamedTuple):
    """What merging one cause into another would move."""

    source: CauseName
    target: CauseName
    links: int
    """Incident links that move (or fold into a link the target already has)."""
    actions: int


def _category(value: str) -> str:
    text = clean_text(value, "category", CATEGORY_MAX).strip()
    if "\n" in text:
        raise InputError("category must be one line")
    return text


def _unused(db: Db, slug: str, allowed_owner: int | None = None) -> None:
    found = find_cause(db, slug)
    if found is not None and found.id != allowed_owner:
        what = "a root cause" if found.slug == slug else f"an old name of {found.slug}"
        raise InputError(f"root-cause slug {shown(slug)} is taken: it is {what}")


def add_cause(db: Db, slug: str, *, title: str, category: str = "", description: str = "",
              force: bool = False) -> CauseName:
    """Add a cause to the taxonomy; a title close to an existing cause's asks "did you mean ...?"."""
    slug = check_new_slug(slug)
    title = clean_title(title)
    category = _category(category)
    description = clean_text(description)
    with db.write():
        _unused(db, slug)
        if not force:
            close = similar_titles(db, title)
            if close:
                names = ", ".join(f"{c.slug} ({c.title!r})" for c in close)
                raise SimilarCauseError(f"did you mean {names}? Link that cause instead, or add this one"
                                        " anyway with --force")
        new_id = db.insert(
            "INSERT INTO root_cause (slug, title, category, description) VALUES (:slug, :title, :category,"
            " :description) RETURNING id",
            {"slug": slug, "title": title, "category": category, "description": description},
        )
    return CauseName(new_id, slug, False)


def update_cause(db: Db, slug: str, *, title: str | None = None, category: str | None = None,
                 description: str | None = None) -> CauseName:
    """Change a cause's title, category or description."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = clean_title(title)
    if category is not None:
        values["category"] = _category(category)
    if description is not None:
        values["description"] = clean_text(description)
    if not values:
        raise InputError("nothing to change: give --title, --category or --description")
    with db.write():
        cause = resolve_cause(db, slug)
        current = db.row("SELECT title, category, description FROM root_cause WHERE id = :id", {"id": cause.id})
        assert current is not None
        if all(dict(zip(("title", "category", "description"), current, strict=True))[k] == v
               for k, v in values.items()):
            raise InputError(f"nothing to change on {cause.slug}: every value is already so")
        sets = ", ".join(f"{column} = :{column}" for column in values)
        db.execute(f"UPDATE root_cause SET {sets} WHERE id = :id", {**values, "id": cause.id})
    return cause


def rename_cause(db: Db, old: str, new: str) -> CauseName:
    """Give a cause a new slug; the old one stays as an alias."""
    new = check_new_slug(new)
    with db.write():
        cause = resolve_cause(db, old)
        if cause.slug == new:
            raise InputError(f"{cause.slug} is already called {new}")
        _unused(db, new, allowed_owner=cause.id)
        db.execute("DELETE FROM root_cause_alias WHERE slug = :slug", {"slug": new})
        db.execute("UPDATE root_cause SET slug = :new WHERE id = :id", {"new": new, "id": cause.id})
        db.execute("INSERT INTO root_cause_alias (slug, root_cause_id) VALUES (:slug, :id)",
                   {"slug": cause.slug, "id": cause.id})
    return CauseName(cause.id, new, cause.retired)


ROLE_STRENGTH = (CauseRole.ROOT.value, CauseRole.TRIGGER.value, CauseRole.CONTRIBUTING.value)
"""Roles from the strongest: when a merge leaves an incident linked twice to one cause, the stronger stays."""


def plan_merge(db: Db, source: str, target: str) -> MergePlan:
    """What merging ``source`` into ``target`` would move; refuses a merge into itself or a retired cause."""
    src, dst = resolve_cause(db, source), resolve_cause(db, target)
    if src.id == dst.id:
        raise InputError(f"cannot merge {src.slug} into itself" + (
            f" ({source.strip()} is an old name of {src.slug})" if source.strip() != src.slug else ""))
    if dst.retired:
        raise InputError(f"cannot merge into {dst.slug}: it is retired (bring it back first with"
                         f" tracker rootcauses retire {dst.slug} --undo)")
    links = int(db.scalar("SELECT COUNT(*) FROM incident_root_cause WHERE root_cause_id = :id", {"id": src.id}))
    actions = int(db.scalar("SELECT COUNT(*) FROM action WHERE root_cause_id = :id", {"id": src.id}))
    return MergePlan(src, dst, links, actions)


def merge_causes(db: Db, source: str, target: str, *, actor: str, clock: Clock = SYSTEM_CLOCK) -> MergePlan:
    """Merge ``source`` into ``target``: its incident links and actions move, its slug becomes an alias."""
    now = clock.now()
    with db.write():
        plan = plan_merge(db, source, target)
        src, dst = plan.source, plan.target
        note = f"root cause {src.slug} merged into {dst.slug}"
        for incident_id, role, version in db.rows(
            "SELECT x.incident_id, x.role, i.version FROM incident_root_cause x"
            " JOIN incident i ON i.id = x.incident_id WHERE x.root_cause_id = :id ORDER BY x.incident_id",
            {"id": src.id},
        ):
            kept = db.scalar("SELECT role FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                             {"i": incident_id, "c": dst.id})
            if kept is None:
                db.execute("UPDATE incident_root_cause SET root_cause_id = :dst WHERE incident_id = :i"
                           " AND root_cause_id = :src", {"dst": dst.id, "src": src.id, "i": incident_id})
                new = f"{dst.slug} ({role})"
            else:
                # Both were linked: one link stays, with the stronger role, so a root cause merged into a
                # contributing one still counts as the root (closing needs a root or trigger cause).
                stronger = min(str(kept), str(role), key=ROLE_STRENGTH.index)
                db.execute("DELETE FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :src",
                           {"src": src.id, "i": incident_id})
                if stronger != kept:
                    db.execute("UPDATE incident_root_cause SET role = :role WHERE incident_id = :i"
                               " AND root_cause_id = :dst", {"role": stronger, "i": incident_id, "dst": dst.id})
                new = f"{dst.slug} ({stronger})"
            bump_incident(db, incident_id, int(version), now)
            record_incident_event(db, incident_id, now, actor, "cause", f"{src.slug} ({role})", new, note)
        for (action_id,) in db.rows("SELECT id FROM action WHERE root_cause_id = :id ORDER BY id", {"id": src.id}):
            db.execute("UPDATE action SET root_cause_id = :dst, updated_at = :now, version = version + 1"
                       " WHERE id = :aid", {"dst": dst.id, "now": now, "aid": action_id})
            record_action_event(db, action_id, now, actor, "root_cause", src.slug, dst.slug, note)
        db.execute("UPDATE root_cause_alias SET root_cause_id = :dst WHERE root_cause_id = :src",
                   {"dst": dst.id, "src": src.id})
        db.execute("DELETE FROM root_cause WHERE id = :id", {"id": src.id})
        db.execute("INSERT INTO root_cause_alias (slug, root_cause_id) VALUES (:slug, :dst)",
                   {"slug": src.slug, "dst": dst.id})
    return plan


def retire_cause(db: Db, slug: str, *, undo: bool = False, clock: Clock = SYSTEM_CLOCK) -> CauseName:
    """Take a cause out of the pickers (old incidents still show it), or bring it back with ``undo``."""
    with db.write():
        cause = resolve_cause(db, slug)
        if undo and not cause.retired:
            raise InputError(f"{cause.slug} is not retired")
        if not undo and cause.retired:
            raise InputError(f"{cause.slug} is already retired")
        db.execute("UPDATE root_cause SET retired_at = :at WHERE id = :id",
                   {"at": None if undo else clock.now(), "id": cause.id})
    return CauseName(cause.id, cause.slug, not undo)
