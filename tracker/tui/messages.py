"""Messages that carry results from workers back to screens: one class per result, typed.

A worker posts one of these to its screen; the screen handles it in ``on_<message>``. Every
attribute is plain data read in the worker, so handlers only draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tracker.core.actions import ActionEventRow, ActionFilter, ActionRow
    from tracker.core.incidents import IncidentDetail, IncidentRow, TimelineItem
    from tracker.core.insights import Insights
    from tracker.core.review import Review
    from tracker.core.rootcauses import RootCauseRow
    from tracker.core.rootcauses.changes import MergePlan
    from tracker.core.rootcauses.suggest import Suggestion
    from tracker.core.runbooks.index import RunbookRow
    from tracker.core.stamp import ChangesStamp
    from tracker.exchange.apply import ImportPlan
    from tracker.repo.gitsync import CommitInfo
    from tracker.tui.screens.review_decisions import Decided
    from tracker.tui.services.git import GitOverview

# -- any screen ------------------------------------------------------------------------------


class Failed(Message):
    """A worker's service call was refused (bad input, database or git trouble)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class DataChanged(Message):
    """Someone (here or elsewhere) changed the database since the screen last read it."""


class ChangesChecked(Message):
    """The app read the changes stamp; a different one means the screen should read again."""

    def __init__(self, stamp: ChangesStamp) -> None:
        super().__init__()
        self.stamp = stamp


class TheirVersionLoaded(Message):
    """A versioned record read again after a stale write, as a form shows it (field name -> text)."""

    def __init__(self, values: dict[str, str], version: int, keep_mine: bool) -> None:
        super().__init__()
        self.values = values
        self.version = version
        self.keep_mine = keep_mine
        """True to rebase the user's edit on this version, False to show this version instead."""


# -- actions ---------------------------------------------------------------------------------


class ActionsListed(Message):
    """The first page of a listing (the one holding the cursor, ``page``), before its size is known."""

    def __init__(self, filt: ActionFilter, sort: str, page: int, rows: list[ActionRow], keep_cursor: bool) -> None:
        super().__init__()
        self.filter = filt
        self.sort = sort
        self.page = page
        self.rows = rows
        self.keep_cursor = keep_cursor


class ActionsCounted(Message):
    """How many actions match a filter; ``at_least``: counting stopped at a cap (``10,000+``)."""

    def __init__(self, filt: ActionFilter, sort: str, total: int, at_least: bool) -> None:
        super().__init__()
        self.filter = filt
        self.sort = sort
        self.total = total
        self.at_least = at_least


class ActionsCountFailed(Message):
    """The background count of a listing failed (its first rows are on screen all the same)."""

    def __init__(self, filt: ActionFilter, sort: str, error: BaseException) -> None:
        super().__init__()
        self.filter = filt
        self.sort = sort
        self.error = error


class ActionLoaded(Message):
    """One action with its history, for the detail screen."""

    def __init__(self, action: ActionRow, history: list[ActionEventRow]) -> None:
        super().__init__()
        self.action = action
        self.history = history


class ActionReloaded(Message):
    """The stored version of an action, read again after a change to it was refused."""

    def __init__(self, action: ActionRow) -> None:
        super().__init__()
        self.action = action


class ActionChoicesLoaded(Message):
    """What the action form offers: the root causes to link (the incident's own first) and the known owners."""

    def __init__(self, causes: list[tuple[str, str]], owners: list[str], default: str = "") -> None:
        super().__init__()
        self.causes = causes
        """(slug, label) of each cause to offer, in order; retired causes only when the action already has one."""
        self.owners = owners
        self.default = default
        """The cause a new action starts with when none was given: the incident's root cause."""


class ActionSaved(Message):
    """An action was created or changed; lists showing it should refresh."""

    def __init__(self, action: ActionRow, created: bool = False) -> None:
        super().__init__()
        self.action = action
        self.created = created


class ActionUndone(Message):
    """The last change made to an action in this session was reverted (a new write, noted as an undo)."""

    def __init__(self, action: ActionRow, summary: str) -> None:
        super().__init__()
        self.action = action
        self.summary = summary
        """What was put back, in words."""


class ActionNotSaved(Message):
    """A change to an action was refused (a stale version, a bad value); nothing was written."""

    def __init__(self, error: Exception, action: ActionRow) -> None:
        super().__init__()
        self.error = error
        self.action = action
        """The action as the screen had it when the change was asked for."""


class CommitsLoaded(Message):
    """The commits whose trailers name an action."""

    def __init__(self, commits: list[CommitInfo]) -> None:
        super().__init__()
        self.commits = commits


# -- incidents and causes --------------------------------------------------------------------


class IncidentsCounted(Message):
    """How many incidents there are: the incidents table starts reading pages."""

    def __init__(self, total: int, keep_cursor: bool) -> None:
        super().__init__()
        self.total = total
        self.keep_cursor = keep_cursor


class IncidentLoaded(Message):
    """One incident with its causes, actions, timeline and runbooks."""

    def __init__(self, incident: IncidentDetail) -> None:
        super().__init__()
        self.incident = incident


class IncidentSaved(Message):
    """An incident was created or changed (fields, status, cause links); its row as stored afterwards."""

    def __init__(self, row: IncidentRow, created: bool = False) -> None:
        super().__init__()
        self.row = row
        self.created = created


class TimelineLogged(Message):
    """A timeline entry was written."""

    def __init__(self, entry: TimelineItem) -> None:
        super().__init__()
        self.entry = entry


class CloseRefused(Message):
    """The incident cannot close yet; each missing thing in one line. Nothing was written."""

    def __init__(self, blockers: list[str]) -> None:
        super().__init__()
        self.blockers = blockers


class LinkChoicesLoaded(Message):
    """What the link picker offers: the causes closest to the incident, then every current cause."""

    def __init__(self, suggested: list[Suggestion], choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.suggested = suggested
        self.choices = choices
        """(slug, title) of every cause that is not retired."""


class CauseChoicesLoaded(Message):
    """(slug, title) of every current cause, for a picker."""

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.choices = choices


class SimilarCausesFound(Message):
    """A new cause's title is close to existing causes: "did you mean ...?". Nothing was written."""

    def __init__(self, similar: list[Suggestion]) -> None:
        super().__init__()
        self.similar = similar


class CauseSaved(Message):
    """A cause was added or changed; ``slug`` is its current slug."""

    def __init__(self, slug: str, created: bool = False) -> None:
        super().__init__()
        self.slug = slug
        self.created = created


class MergePlanned(Message):
    """What merging one cause into another would move; nothing is written yet."""

    def __init__(self, plan: MergePlan) -> None:
        super().__init__()
        self.plan = plan


class CausesMerged(Message):
    """One cause was merged into another (its links and actions moved, its slug an alias)."""

    def __init__(self, plan: MergePlan) -> None:
        super().__init__()
        self.plan = plan


class CausesLoaded(Message):
    """Every root cause with its recurrence, actions and runbooks."""

    def __init__(self, causes: list[RootCauseRow]) -> None:
        super().__init__()
        self.causes = causes


class CauseSlugsLoaded(Message):
    """The root causes' slugs, for a choice."""

    def __init__(self, slugs: list[str]) -> None:
        super().__init__()
        self.slugs = slugs


class ImportPlanned(Message):
    """What importing a report would do (one plan per report); nothing is written yet."""

    def __init__(self, plans: list[ImportPlan]) -> None:
        super().__init__()
        self.plans = plans


class ImportApplied(Message):
    """The previewed reports were written."""

    def __init__(self, incident_id: int, summary: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        """The first report's incident, to open."""
        self.summary = summary


# -- runbooks and git ------------------------------------------------------------------------


class RunbooksLoaded(Message):
    """The indexed runbooks matching the search."""

    def __init__(self, rows: list[RunbookRow]) -> None:
        super().__init__()
        self.rows = rows


class GitStateLoaded(Message):
    """The repository's state and each runbook's git state, or why git cannot be used."""

    def __init__(self, overview: GitOverview) -> None:
        super().__init__()
        self.overview = overview


class RunbookPreviewLoaded(Message):
    """A runbook's text for the preview; ``full`` when its whole start was asked for, large or not."""

    def __init__(self, path: str, text: str, size: int, full: bool) -> None:
        super().__init__()
        self.path = path
        self.text = text
        self.size = size
        self.full = full


class RunbookCreated(Message):
    """A runbook was written from the template, linked to its causes; ``path`` is where."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class RunbookTextLoaded(Message):
    """A runbook's text to edit, with the line ending to save it with and the hash of the file as read."""

    def __init__(self, text: str, newline: str, digest: str) -> None:
        super().__init__()
        self.text = text
        self.newline = newline
        self.digest = digest


class RunbookReadForEditor(Message):
    """A runbook as it is before ``$EDITOR`` opens a copy of it."""

    def __init__(self, path: str, text: str, digest: str) -> None:
        super().__init__()
        self.path = path
        self.text = text
        self.digest = digest
        """The hash of the file before the editor started: saving the edit expects it still."""


class RunbookSaved(Message):
    """An edited runbook was saved (and, when resolving, the pull went on unless ``conflicted``)."""

    def __init__(self, path: str, text: str, digest: str, conflicted: list[str] | None = None) -> None:
        super().__init__()
        self.path = path
        self.text = text
        """What was saved, to tell later edits from it."""
        self.digest = digest
        """The hash of the file as saved: the next save expects it."""
        self.conflicted = conflicted or []
        """Resolving a pull: the files still in conflict, the pull not finished yet."""


class RunbookChanged(Message):
    """The runbook changed on disk after the edit began; nothing was written. Theirs and mine, to choose."""

    def __init__(self, path: str, mine: str, theirs: str | None, theirs_hash: str) -> None:
        super().__init__()
        self.path = path
        self.mine = mine
        self.theirs = theirs
        """The file as it is now, None when it was deleted."""
        self.theirs_hash = theirs_hash
        """What to expect when writing over theirs on purpose."""


class RunbookCopyKept(Message):
    """The user's text was written beside the runbook instead of over it."""

    def __init__(self, path: str, copy: str) -> None:
        super().__init__()
        self.path = path
        self.copy = copy


class DiffLoaded(Message):
    """A unified diff of runbooks: their pending changes, or the file on disk against an edit."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ChangedRunbooksLoaded(Message):
    """The runbooks with changes to commit."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self.paths = paths


class RunbooksCommitted(Message):
    """A commit of runbooks was made (its Closes: trailers applied)."""

    def __init__(self, commit: CommitInfo) -> None:
        super().__init__()
        self.commit = commit


class GitOperationDone(Message):
    """A pull, push, sync or abort finished; ``summary`` says how, in one line."""

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


# -- the weekly review -----------------------------------------------------------------------


class ReviewLoaded(Message):
    """A week's review; ``complete`` False when only its first part was read (the rest follows)."""

    def __init__(self, review: Review, complete: bool = True) -> None:
        super().__init__()
        self.review = review
        self.complete = complete


class ReviewRecorded(Message):
    """The week's review was written (and committed); ``summary`` says where."""

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


class DecisionTaken(Message):
    """The walk-through recorded a decision on one action."""

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


class DecisionUndone(Message):
    """The walk-through's last decision was reverted: the action as it is now, what was put back."""

    def __init__(self, action: ActionRow, summary: str) -> None:
        super().__init__()
        self.action = action
        self.summary = summary


# -- the team ledger -------------------------------------------------------------------------


class LedgerState(Message):
    """How the team ledger stands (operations not synced, commits not applied, conflicts); None: no ledger."""

    def __init__(self, text: str | None) -> None:
        super().__init__()
        self.text = text


class LedgerSynced(Message):
    """One sync of everything finished: what it did, or why it stopped."""

    def __init__(self, summary: str, error: Exception | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.error = error
class DecisionRecorded(Message):
    """A review decision (or its undo) was written to the action's history."""

    def __init__(self, decided: Decided) -> None:
        super().__init__()
        self.decided = decided


class InsightsLoaded(Message):
    """The insights of a window of weeks."""

    def __init__(self, insights: Insights) -> None:
        super().__init__()
        self.insights = insights
