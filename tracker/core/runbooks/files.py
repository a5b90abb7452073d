"""Runbook files: TOML front matter between ``+++`` lines, safe paths, atomic saves, staleness.

Files only; git lives in ``tracker.repo.gitsync`` and the index tables in ``tracker.core.runbooks.index``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.base.errors import InputError, TrackerError
from tracker.base.files import read_capped
from tracker.base.text import shown
from tracker.base.timeutil import CALENDAR, FIRST_DAY, LAST_DAY, add_days, in_calendar
from tracker.core.keys import check_slug
from tracker.core.validate import clean_line, clean_owner, clean_runbook_path, clean_title

FENCE = "+++"
FRONT_MATTER_KEYS = ("title", "owner", "root_causes", "services", "last_reviewed", "review_every_days")
LARGE_FILE = 256 * 1024
"""Above this size a preview is rendered only on request."""


class FrontMatterError(InputError):
    """A runbook's front matter cannot be read; the message names the file and line."""


class RunbookChangedError(TrackerError):
    """The runbook on disk is no longer the one the edit started from; nothing was written."""

    def __init__(self, path: str, theirs: bytes | None) -> None:
        self.path = path
        self.theirs = theirs
        """The file as it is now; None when it was deleted."""
        what = "deleted" if theirs is None else "changed"
        super().__init__(f"{path} was {what} on disk after you opened it (another editor, a pull?); "
                         "nothing was saved")

    @property
    def theirs_hash(self) -> str:
        """The hash to expect when writing over their version on purpose."""
        return ABSENT if self.theirs is None else content_hash(self.theirs)


@dataclass(frozen=True)
class FrontMatter:
    title: str
    owner: str = ""
    root_causes: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    last_reviewed: date | None = None
    review_every_days: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def review_due(self) -> date | None:
        """When the next review is due; None when there is no schedule or it falls past the calendar's end."""
        if self.last_reviewed is None or self.review_every_days is None:
            return None
        return add_days(self.last_reviewed, self.review_every_days)


@dataclass(frozen=True)
class RunbookFile:
    path: str
    """Relative to the repository root, with ``/`` separators (e.g. ``runbooks/x.md``)."""
    front: FrontMatter
    body: str
    content_hash: str
    newline: str
    size: int


def headings_of(text: str) -> list[str]:
    """The markdown headings of a runbook (``#`` lines outside code blocks), in order, without the ``#``."""
    found = []
    fenced = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6}\s", stripped):
            found.append(stripped.lstrip("#").strip().rstrip("#").strip())
    return found


def split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """Split ``+++`` front matter from the body: (toml_text, body, first_body_line). BOM and CRLF allowed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != FENCE:
        raise FrontMatterError(f"{where} line 1: a runbook starts with a line '+++' opening its TOML front matter")
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise FrontMatterError(f"{where} line 1: the front matter opened here is never closed by a '+++' line")


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    match = re.search(r"line ([0-9]+)", str(exc))
    return int(match.group(1)) if match else None


def front_matter_table(text: str, where: str) -> tuple[dict[str, Any], str, str]:
    """The front matter as a TOML table, its text, and the body; errors name ``where`` and the line."""
    toml_text, body, _ = split_front_matter(text, where)
    try:
        data = tomllib.loads(toml_text.replace("\r\n", "\n"))
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(exc)
        if line is None:  # "at end of document": the fault is on the front matter's last line
            line = max(len(toml_text.splitlines()), 1)
        at = f" line {line + 1}"
        message = str(exc).split(" (at")[0]
        raise FrontMatterError(f"{where}{at}: front matter is not valid TOML ({message})") from None
    return data, toml_text, body


def parse_front_matter(text: str, where: str) -> tuple[FrontMatter, str]:
    """Parse a runbook's text; errors name ``where`` and the line in the file."""
    data, toml_text, body = front_matter_table(text, where)

    def line_of(key: str) -> int:
        return next((i + 2 for i, raw in enumerate(toml_text.splitlines()) if raw.strip().startswith(key)), 1)

    def fail(key: str, wanted: str) -> FrontMatterError:
        got = data.get(key)
        shown_got = shown(got) if isinstance(got, str) else got.isoformat() if isinstance(got, date) else \
            shown(repr(got))
        return FrontMatterError(f"{where} line {line_of(key)}: '{key}' must be {wanted}, got {shown_got}")

    def checked(key: str, check: Callable[[Any], Any], value: Any) -> Any:
        """A value through the validation layer; its refusal names the file, the line and the key."""
        try:
            return check(value)
        except InputError as exc:
            raise FrontMatterError(f"{where} line {line_of(key)}: '{key}': {exc}") from None

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "a non-empty string")
    title = checked("title", clean_title, title)
    owner = data.get("owner", "")
    if not isinstance(owner, str):
        raise fail("owner", "a string")
    owner = checked("owner", clean_owner, owner) or ""
    lists = {}
    for key, check in (("root_causes", check_slug), ("services", _service)):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "a list of strings")
        lists[key] = tuple(checked(key, check, item) for item in value)
    reviewed = data.get("last_reviewed")
    if reviewed is not None and (not isinstance(reviewed, date) or hasattr(reviewed, "hour")):
        raise fail("last_reviewed", "a date such as 2026-01-15 (no quotes)")
    if reviewed is not None and not in_calendar(reviewed):
        raise fail("last_reviewed", f"a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    every = data.get("review_every_days")
    if every is not None and (not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 3650):
        raise fail("review_every_days", "a whole number of days from 1 to 3650")
    extra = {k: v for k, v in data.items() if k not in FRONT_MATTER_KEYS}
    front = FrontMatter(title, owner, lists["root_causes"], lists["services"], reviewed, every, extra)
    return front, body


def _service(name: str) -> str:
    """A service a runbook covers: a short name, one line, no comma (the index joins them with commas)."""
    clean_line(name, "service", 100, required=True)
    if "," in name:
        raise InputError(f"service {shown(name)} has a comma (give each service its own string)")
    return name


def render_front_matter(front: FrontMatter) -> str:
    """TOML front matter text (tomli-w: no None, no comments), fences included."""
    import tomli_w

    data: dict[str, Any] = {"title": front.title, "owner": front.owner, "root_causes": list(front.root_causes),
                            "services": list(front.services)}
    if front.last_reviewed is not None:
        data["last_reviewed"] = front.last_reviewed
    if front.review_every_days is not None:
        data["review_every_days"] = front.review_every_days
    data.update({k: v for k, v in front.extra.items() if v is not None})
    return f"{FENCE}\n{tomli_w.dumps(data)}{FENCE}\n"


def detect_newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


ABSENT = ""
"""The hash expected of a file that must not exist (``save_runbook``'s ``expected``)."""


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes now; None when there is no file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def read_runbook(root: Path, relative: str) -> RunbookFile:
    """Read and parse one runbook (``relative`` to the repository root)."""
    data = read_capped(str(root / relative), label=shown(relative))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrontMatterError(f"{relative}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    front, body = parse_front_matter(text, relative)
    return RunbookFile(relative, front, body, content_hash(data), detect_newline(text), len(data))


# -- paths ------------------------------------------------------------------------------------


def safe_runbook_path(root: Path, runbooks_dir: str, given: str) -> str:
    """Check a user-given path names a file inside the runbooks folder; return it relative to ``root``.

    Refused: absolute paths, ``..``, names that look like options, and symlinks (or folders)
    that lead outside the runbooks folder.
    """

    text = clean_runbook_path(given)
    candidate = Path(text)
    folder = (root / runbooks_dir).resolve()
    if candidate.parts[: len(Path(runbooks_dir).parts)] != Path(runbooks_dir).parts:
        candidate = Path(runbooks_dir) / candidate
    resolved = (root / candidate).resolve()
    if resolved != folder and folder not in resolved.parents:
        raise InputError(f"runbook path {shown(text)} leads outside {runbooks_dir}/ (through a symlink?)")
    return candidate.as_posix()


def list_runbook_paths(root: Path, runbooks_dir: str) -> list[str]:
    """Markdown files under the runbooks folder (not following links out of it), sorted."""
    folder = root / runbooks_dir
    if not folder.is_dir():
        return []
    resolved_folder = str(folder.resolve()) + os.sep
    found = []
    prefix = runbooks_dir.rstrip("/")
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        relative = os.path.relpath(current, folder)
        base = prefix if relative == "." else f"{prefix}/{relative.replace(os.sep, '/')}"
        for name in files:
            if not name.endswith(".md"):
                continue
            full = os.path.join(current, name)
            if os.path.islink(full) and not os.path.realpath(full).startswith(resolved_folder):
                continue
            found.append(f"{base}/{name}")
    return sorted(found)


# -- saving -----------------------------------------------------------------------------------


LEFTOVER_AGE = 300
"""Seconds after which a temporary file of an interrupted save is swept away."""


def _sweep_leftovers(path: Path) -> None:
    """Remove temporary files that saves of ``path`` killed mid-way left behind (never a recent one)."""
    import time

    cutoff = time.time() - LEFTOVER_AGE
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass


def atomic_write(path: Path, data: bytes, before_replace: Callable[[], object] | None = None) -> None:
    """Replace ``path`` with ``data`` all at once: the file is the old or the new, never half.

    ``before_replace`` runs once the new bytes are on disk, right before the rename; if it raises,
    nothing is replaced.
    """
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace()
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sweep_leftovers(path)
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _encode(text: str, newline: str) -> bytes:
    """Edited text (LF, as a text widget gives it) as the file's bytes, in its own line endings."""
    if newline == "\r\n":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")


def save_runbook(root: Path, relative: str, text: str, newline: str = "\n", *, check: bool = True,
                 expected: str | None = None) -> str:
    """Save edited text (LF as a text widget gives it) with the file's own line endings; returns its hash.

    With ``check``, the front matter must parse first, so a broken edit never replaces a good file.
    With ``expected`` (the hash of the bytes the edit started from, ``ABSENT`` for no file), the file
    must still hold exactly those bytes when the new ones are ready to replace it; otherwise
    ``RunbookChangedError`` and nothing is written. The comparison is made again right before the
    rename, so a change made while the new text is being written is caught too.
    """
    if check:
        parse_front_matter(text, relative)
    data = _encode(text, newline)
    target = root / relative

    def unchanged() -> None:
        now = current_bytes(target)
        if (ABSENT if now is None else content_hash(now)) != expected:
            raise RunbookChangedError(relative, now)

    atomic_write(target, data, unchanged if expected is not None else None)
    return content_hash(data)


def keep_copy(root: Path, relative: str, text: str, newline: str, stamp: datetime) -> str:
    """Write ``text`` beside the runbook as ``<name>.mine-<stamp>``; returns the copy's path.

    Never over an existing file (a number is added instead), written whole or not at all. The name
    does not end in ``.md``, so the index never takes the copy for a runbook.
    """
    data = _encode(text, newline)
    target = root / relative
    base = f"{target.name}.mine-{stamp.strftime('%Y%m%d-%H%M%S')}"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{base}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        for attempt in range(1, 100):
            name = base if attempt == 1 else f"{base}-{attempt}"
            try:
                os.link(tmp, target.parent / name)  # a link fails when the name is taken: nothing is replaced
            except FileExistsError:
                continue
            return (Path(relative).parent / name).as_posix()
        raise InputError(f"{relative}: too many copies named {base}-n already")
    finally:
        Path(tmp).unlink(missing_ok=True)


TEMPLATE_SECTIONS = ("Symptoms", "First checks", "Mitigation", "Recovery", "Verification", "Follow-ups")
"""The headings of a new runbook, in the order an on-call engineer needs them."""

_TEMPLATE_HINTS = {
    "Symptoms": "What the alert, the dashboards and the users show when this happens.",
    "First checks": "The first commands to run and what their output means.",
    "Mitigation": "How to stop the bleeding: the safe, reversible steps first.",
    "Recovery": "How to bring the service back to normal, and how long it takes.",
    "Verification": "How to know it is really over: the graphs and checks to watch.",
    "Follow-ups": "What to file afterwards: actions, postmortem, the next review of this runbook.",
}


def runbook_template(front: FrontMatter) -> str:
    """A new runbook: its front matter, a title, and the headings with a line saying what goes there."""
    parts = [render_front_matter(front), f"\n# {front.title}\n"]
    for heading in TEMPLATE_SECTIONS:
        parts.append(f"\n## {heading}\n\n{_TEMPLATE_HINTS[heading]}\n")
    return "".join(parts)


def create_runbook(root: Path, runbooks_dir: str, given: str, front: FrontMatter) -> str:
    """Write a new runbook from the template at a path inside the runbooks folder; returns the path.

    Refuses a path outside the folder and one that exists; a name without ``.md`` gets it.
    """
    if not given.strip().endswith(".md"):
        given = given.strip() + ".md"
    relative = safe_runbook_path(root, runbooks_dir, given)
    target = root / relative
    if target.exists() or target.is_symlink():
        raise InputError(f"{relative} already exists: open it, or choose another path")
    text = runbook_template(front)
    parse_front_matter(text, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, text.encode("utf-8"))
    return relative


# -- what a commit may hold ----------------------------------------------------------------------


_CONFLICT_MARKER = re.compile(r"(?:<{7}|>{7}|\|{7}|={7})(?: |$)")


def commit_problem(relative: str, data: bytes, *, runbook: bool = True) -> str | None:
    """Why ``data`` should not be committed as ``relative`` (naming the file, and the line), or None.

    A runbook is UTF-8 text, not empty, without conflict markers, with valid front matter; other
    files the tracker writes there (the weekly review record) need front matter that is valid TOML.
    """
    if not data.strip():
        return f"{relative}: empty"
    if b"\0" in data:
        return f"{relative}: not text (it holds NUL bytes: a binary file?)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{relative}: not UTF-8 text (invalid byte at offset {exc.start})"
    line = conflict_marker(text)
    if line is not None:
        return f"{relative} line {line}: a conflict marker (<<<<<<< / >>>>>>>) is left in it"
    try:
        parse_front_matter(text, relative) if runbook else front_matter_table(text, relative)
    except FrontMatterError as error:
        return str(error)
    return None


def conflict_marker(text: str) -> int | None:
    """The line of the first git conflict marker in ``text``, if it holds any.

    A lone ``=======`` line is a markdown heading underline: it counts only beside a ``<<<<<<<``,
    ``|||||||`` or ``>>>>>>>`` line.
    """
    found = [(number, line[0]) for number, line in enumerate(text.splitlines(), start=1)
             if _CONFLICT_MARKER.match(line)]
    if any(kind != "=" for _, kind in found):
        return found[0][0]
    return None


# -- staleness ----------------------------------------------------------------------------------


def stale_reasons(front: FrontMatter, today: date, changed_on: date | None,
                  cause_last_incident: dict[str, date]) -> list[str]:
    """Why a runbook needs a look: its review is overdue, or a cause it covers struck after it last changed."""
    reasons = []
    if front.last_reviewed is not None and not in_calendar(front.last_reviewed):
        # Only a row indexed before dates were bounded, or written by hand, gets here: say so, never overflow.
        reasons.append(f"last_reviewed {front.last_reviewed.isoformat()} is out of range ({CALENDAR})")
    due = front.review_due()
    if due is not None and due < today:
        reasons.append(f"review overdue since {due.isoformat()}")
    if front.last_reviewed is None:
        reasons.append("never reviewed (no last_reviewed)")
    reference = changed_on or front.last_reviewed
    if reference is not None:
        for slug in front.root_causes:
            seen = cause_last_incident.get(slug)
            if seen is not None and seen > reference:
                reasons.append(f"{slug} caused an incident on {seen.isoformat()}, after this runbook last changed")
    return reasons
