"""The ledger's on-disk format: operations as canonical JSON, their ids, file paths and the ``FORMAT`` file.

An operation is one JSON object, keys sorted, UTF-8, no spaces, a final newline; its id is the first
32 hex digits of the SHA-256 of those bytes, so the same change always has the same id and a file
whose name does not match its bytes is recognised as damaged. Files are named
``ops/<yyyy-mm>/<id[:2]>/<clock>-<replica>-<id>.json`` and never change once written: the month
keeps a year's operations apart, the two hex digits keep any one folder small (``ledger init``
writes a whole database's operations in one month), so a commit rewrites small trees only.

Keys of an operation (absent when empty): ``op`` (the kind), ``type`` (``incident``, ``action``,
``cause``, ``timeline``), ``entity`` (a ULID), ``parent`` (a timeline entry's incident), ``field``,
``value``, ``prev`` (the ids of the operations the author had seen for that field), ``clock`` (a
hybrid logical clock stamp), ``replica``, ``actor``, ``wall`` (the author's time, for display only),
``note`` and ``source`` (what caused the change, e.g. ``commit:1a2b3c4d5e`` for a ``Closes:`` trailer).

Kinds this tracker knows are in ``KINDS``; an operation of another kind (from a newer tracker) is
kept and ignored. ``FORMAT`` names the layout version; a tracker meeting a newer one reads the
ledger but never writes to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracker.base.clock import Clock
from tracker.base.text import first_control
from tracker.repo.ledger.hlc import STAMP, Stamp

FORMAT_VERSION = 1
"""The layout this tracker writes; it reads this one and older."""

FORMAT_NAME = "tracker-ledger"

KINDS = ("create", "set", "link", "unlink", "comment", "tombstone", "merge_into", "assign_key")
TYPES = ("incident", "action", "cause", "timeline")

OP_MAX_BYTES = 1 << 20
"""A larger file is not read as an operation (it is kept, and reported by ``ledger doctor``)."""

ULID_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID = re.compile(f"[{ULID_DIGITS}]{{26}}")
REPLICA = re.compile(r"[0-9a-z]{16}")
OP_ID = re.compile(r"[0-9a-f]{32}")
OP_PATH = re.compile(rf"ops/(?P<month>\d{{4}}-\d{{2}})/(?P<shard>[0-9a-f]{{2}})/(?P<clock>\d{{13}}\.\d{{6}})"
                     rf"-(?P<replica>{REPLICA.pattern})-(?P<id>{OP_ID.pattern})\.json")


class FormatError(ValueError):
    """Bytes that are not an operation this tracker can read."""


def canonical(data: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, UTF-8, no spaces, a final newline."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8") + b"\n"


def op_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def format_file(version: int = FORMAT_VERSION) -> bytes:
    return f"{FORMAT_NAME} {version}\n".encode()


def read_format(raw: bytes) -> int:
    """The version a ``FORMAT`` file names; FormatError when it is not one."""
    match = re.fullmatch(rf"{FORMAT_NAME} (\d{{1,6}})\s*", raw.decode("utf-8", errors="replace"))
    if match is None:
        raise FormatError("FORMAT is not a tracker ledger's")
    return int(match.group(1))


def new_replica_id() -> str:
    return "".join(secrets.choice(ULID_DIGITS.lower()) for _ in range(16))


def new_ulid(clock: Clock) -> str:
    """A ULID: 48 bits of milliseconds from ``clock``, 80 random bits, in Crockford's base 32."""
    value = (int(clock.now().timestamp() * 1000) & ((1 << 48) - 1)) << 80 | secrets.randbits(80)
    letters = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        letters.append(ULID_DIGITS[digit])
    return "".join(reversed(letters))


def ulid_suffix(uid: str) -> int:
    """The last six letters of a ULID (30 random bits): the entity's provisional key."""
    value = 0
    for letter in uid[-6:]:
        value = value * 32 + ULID_DIGITS.index(letter)
    return value


@dataclass(frozen=True, slots=True)
class Op:
    """One operation, as read or written; ``raw`` holds its exact bytes and ``id`` their hash."""

    kind: str
    type: str
    entity: str
    clock: str
    replica: str
    field: str | None = None
    value: Any = None
    prev: tuple[str, ...] = ()
    parent: str | None = None
    actor: str = ""
    wall: str = ""
    note: str = ""
    source: str = ""
    raw: bytes = dataclasses.field(default=b"", compare=False, repr=False)
    id: str = dataclasses.field(default="", compare=False)

    @property
    def order(self) -> tuple[str, str, str]:
        """The total order every replica applies operations in: clock, then replica, then id."""
        return (self.clock, self.replica, self.id)

    @property
    def known(self) -> bool:
        return self.kind in KINDS and self.type in TYPES

    @property
    def aggregate(self) -> str:
        """The entity whose state this operation is part of (a timeline entry's belongs to its incident)."""
        return self.parent if self.type == "timeline" and self.parent else self.entity

    @property
    def path(self) -> str:
        stamp = Stamp.parse(self.clock)
        month = datetime.fromtimestamp(stamp.ms / 1000, UTC).strftime("%Y-%m")
        return f"ops/{month}/{self.id[:2]}/{self.clock}-{self.replica}-{self.id}.json"


def make_op(kind: str, type_: str, entity: str, *, clock: Stamp, replica: str, field: str | None = None,
            value: Any = None, prev: tuple[str, ...] | list[str] = (), parent: str | None = None, actor: str = "",
            wall: str = "", note: str = "", source: str = "") -> Op:
    """A new operation with its bytes and id."""
    data: dict[str, Any] = {"op": kind, "type": type_, "entity": entity, "clock": clock.text, "replica": replica}
    optional: dict[str, Any] = {"field": field, "value": value, "prev": sorted(set(prev)), "parent": parent,
                                "actor": actor, "wall": wall, "note": note, "source": source}
    data.update({key: item for key, item in optional.items() if item not in (None, "", [])})
    raw = canonical(data)
    return decode(raw)


def _text(data: dict[str, Any], key: str, limit: int, *, lines: bool = False) -> str:
    """A text field of an operation: bounded, and with no control character (a note may have line breaks)."""
    item = data.get(key, "")
    if not isinstance(item, str) or len(item) > limit:
        raise FormatError(f"{key} is not a text of at most {limit} characters")
    if first_control(item, allow_newlines=lines) is not None:
        raise FormatError(f"{key} holds a control character")
    return item


def decode(raw: bytes) -> Op:
    """An operation from its bytes; FormatError when they are not one (too large, not JSON, bad keys)."""
    if len(raw) > OP_MAX_BYTES:
        raise FormatError(f"larger than {OP_MAX_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"not JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise FormatError("not a JSON object")
    for key, pattern in (("entity", ULID), ("clock", STAMP), ("replica", REPLICA)):
        item = data.get(key)
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise FormatError(f"bad {key} {str(item)[:40]!r}")
    kind, type_ = data.get("op"), data.get("type")
    if not isinstance(kind, str) or not isinstance(type_, str) or len(kind) > 40 or len(type_) > 40:
        raise FormatError("bad op or type")
    prev = data.get("prev", [])
    if not isinstance(prev, list) or len(prev) > 256 or not all(isinstance(p, str) and OP_ID.fullmatch(p)
                                                                 for p in prev):
        raise FormatError("bad prev")
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, str) or not ULID.fullmatch(parent)):
        raise FormatError("bad parent")
    fld = data.get("field")
    if fld is not None and (not isinstance(fld, str) or len(fld) > 40):
        raise FormatError("bad field")
    return Op(kind, type_, data["entity"], data["clock"], data["replica"], fld, data.get("value"), tuple(prev),
              parent, _text(data, "actor", 200), _text(data, "wall", 40), _text(data, "note", 20_000, lines=True),
              _text(data, "source", 200), raw, op_id(raw))


def stored_op(raw: bytes, ident: str) -> Op:
    """An operation read back from the replica's own store, where it was checked on the way in."""
    data = json.loads(raw)
    return Op(data["op"], data["type"], data["entity"], data["clock"], data["replica"], data.get("field"),
              data.get("value"), tuple(data.get("prev", ())), data.get("parent"), data.get("actor", ""),
              data.get("wall", ""), data.get("note", ""), data.get("source", ""), raw, ident)


def read_op(path: str, raw: bytes) -> Op:
    """An operation read from the ledger at ``path``: its name must match its bytes."""
    match = OP_PATH.fullmatch(path)
    if match is None:
        raise FormatError(f"{path}: not an operation's file name")
    op = decode(raw)
    if (match["id"], match["clock"], match["replica"]) != (op.id, op.clock, op.replica) or op.path != path:
        raise FormatError(f"{path}: the name does not match the content")
    return op
