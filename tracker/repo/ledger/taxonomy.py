"""The root-cause taxonomy as the operations make it: which causes live, where merged ones lead, old names.

Merges are redirects: a cause merged into another leads there, and everything linked to it (incidents,
actions), wherever and whenever linked, ends on the target. Merges are taken in clock order; one that
would close a loop (A into B while B was merged into A elsewhere) is ignored. Two live causes holding
the same slug (added on two clones before either synced) are one cause: the later one leads to the
first. Every slug a cause ever had, and every slug of a cause merged into it, stays an alias of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.repo.ledger.derive import Order, State


@dataclass(frozen=True, slots=True)
class Step:
    """One redirect: ``source`` now leads to ``target``, since ``order``."""

    order: Order
    source: str
    target: str
    wall: str
    actor: str
    note: str


@dataclass
class Taxonomy:
    causes: Mapping[str, State]
    live: dict[str, State] = field(default_factory=dict)
    redirects: dict[str, Step] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    """Old slug -> the live cause it names."""

    def resolve(self, uid: str | None) -> str | None:
        """The live cause ``uid`` leads to (itself when live), None when it leads nowhere."""
        seen: set[str] = set()
        current = uid
        while current is not None and current in self.redirects and current not in seen:
            seen.add(current)
            current = self.redirects[current].target
        return current if current in self.live else None

    def steps(self, uid: str) -> list[Step]:
        """The redirects taken from ``uid`` to the live cause it leads to, in order."""
        found: list[Step] = []
        seen: set[str] = set()
        while uid in self.redirects and uid not in seen:
            seen.add(uid)
            found.append(self.redirects[uid])
            uid = self.redirects[uid].target
        return found

    def slug(self, uid: str) -> str:
        """The slug a cause last had (a merged cause keeps its last one)."""
        state = self.causes.get(uid)
        return state.values.get("slug", "?") if state is not None else "?"


def build(causes: Mapping[str, State]) -> Taxonomy:
    """The taxonomy from every cause's derived state."""
    tax = Taxonomy(causes)
    created = {uid: state for uid, state in causes.items() if state.created}

    def follow(uid: str) -> str:
        seen: set[str] = set()
        while uid in tax.redirects and uid not in seen:
            seen.add(uid)
            uid = tax.redirects[uid].target
        return uid

    merges = sorted((order, uid, target, wall, actor, note)
                    for uid, state in created.items() for order, target, wall, actor, note in state.merges)
    for order, source, target, wall, actor, note in merges:
        if target in created and follow(target) != source:
            tax.redirects[source] = Step(order, source, target, wall, actor, note)
    claimed: dict[str, str] = {}
    for state in sorted(created.values(), key=lambda s: s.create_order or ("", "", "")):
        if state.deleted or state.uid in tax.redirects:
            continue
        slug = state.values["slug"]
        first = claimed.get(slug)
        if first is None:
            claimed[slug] = state.uid
            tax.live[state.uid] = state
        else:
            order = state.create_order or ("", "", "")
            tax.redirects[state.uid] = Step(order, state.uid, first, "", "",
                                            f"root cause {slug} was added twice; merged into the first")
    current = set(claimed)
    for state in sorted(created.values(), key=lambda s: s.create_order or ("", "", "")):
        leads_to = tax.resolve(state.uid)
        if leads_to is None:
            continue
        for slug in state.slugs:
            if slug not in current:
                tax.aliases.setdefault(slug, leads_to)
    return tax
