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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tracker.base.errors import InputError, TrackerError
from tracker.base.text import shown
from tracker.core.validate import clean_path

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
        if self.last_reviewed is None or self.review_every_days is None:
            return None
        return self.last_reviewed + timedelta(days=self.review_every_days)


@dataclass(frozen=True)
class RunbookFile:
    path: str
    """Relative to the repository root, with ``/`` separators (e.g. ``runbooks/x.md``)."""
    front: FrontMatter
    body: str
    content_hash: str
    newline: str
    size: int


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
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def parse_front_matter(text: str, where: str) -> tuple[FrontMatter, str]:
    """Parse a runbook's text; errors name ``where`` and the line in the file."""
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

    def fail(key: str, wanted: str) -> FrontMatterError:
        line = next((i + 2 for i, raw in enumerate(toml_text.splitlines()) if raw.strip().startswith(key)), 1)
        got = data.get(key)
        return FrontMatterError(f"{where} line {line}: '{key}' must be {wanted}, got "
                                f"{shown(got) if isinstance(got, str) else shown(repr(got))}")

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "a non-empty string")
    owner = data.get("owner", "")
    if not isinstance(owner, str):
        raise fail("owner", "a string")
    lists = {}
    for key in ("root_causes", "services"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "a list of strings")
        lists[key] = tuple(value)
    reviewed = data.get("last_reviewed")
    if reviewed is not None and (not isinstance(reviewed, date) or hasattr(reviewed, "hour")):
        raise fail("last_reviewed", "a date such as 2026-01-15 (no quotes)")
    every = data.get("review_every_days")
    if every is not None and (not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 3650):
        raise fail("review_every_days", "a whole number of days from 1 to 3650")
    extra = {k: v for k, v in data.items() if k not in FRONT_MATTER_KEYS}
    front = FrontMatter(title.strip(), owner, lists["root_causes"], lists["services"], reviewed, every, extra)
    return front, body


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
    path = root / relative
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown(relative)}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrontMatterError(f"{relative}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    front, body = parse_front_matter(text, relative)
    return RunbookFile(relative, front, body, content_hash(data), detect_newline(text), len(data))


# -- paths ------------------------------------------------------------------------------------


NAME_MAX = 255
"""Longest file name (bytes) most file systems take."""


def safe_runbook_path(root: Path, runbooks_dir: str, given: str) -> str:
    """Check a user-given path names a file inside the runbooks folder; return it relative to ``root``.

    Refused: absolute paths, ``..``, names that look like options, and symlinks (or folders)
    that lead outside the runbooks folder.
    """

    text = given.strip()
    if not text:
        raise InputError("empty runbook path")
    clean_path(text)
    candidate = Path(text)
    if candidate.is_absolute():
        raise InputError(f"runbook path {shown(text)} is absolute: give it relative to the repository")
    if ".." in candidate.parts:
        raise InputError(f"runbook path {shown(text)} leaves the runbooks folder ('..' is not allowed)")
    if any(part.startswith("-") for part in candidate.parts):
        raise InputError(f"runbook path {shown(text)} has a part starting with '-'")
    if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in candidate.parts):
        raise InputError(f"runbook path {shown(text)} has a name longer than {NAME_MAX} bytes")
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


# -- staleness and secrets ----------------------------------------------------------------------


def stale_reasons(front: FrontMatter, today: date, changed_on: date | None,
                  cause_last_incident: dict[str, date]) -> list[str]:
    """Why a runbook needs a look: its review is overdue, or a cause it covers struck after it last changed."""
    reasons = []
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


SECRET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-_.=]{20,}")),
    ("a token or secret assignment",
     re.compile(r"(?i)(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token)\s*[:=]\s*['\"]?"
                r"(?![<$]|\*{3})[A-Za-z0-9/+_\-.]{12,}")),
    ("a password assignment", re.compile(r"(?i)(?:password|passwd|pwd)\s*[:=]\s*['\"]?(?![<$]|\*{3}|['\"]?\s*$)\S+")),
]
"""What the pre-commit check blocks. Placeholders (``<secret>``, ``$VAR``, ``***``) are allowed."""


@dataclass(frozen=True)
class SecretFinding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path} line {self.line}: looks like {self.kind}"


def find_secrets(path: str, text: str) -> list[SecretFinding]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in SECRET_PATTERNS:
            if pattern.search(line):
                findings.append(SecretFinding(path, number, kind))
                break
    return findings
