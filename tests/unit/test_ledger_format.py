"""The ledger's format: canonical operations, their ids and paths, hostile files, the hybrid clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.ledgerhelpers import SkewedClock
from tracker.base.errors import InputError
from tracker.core.keys import PROVISIONAL_BASE, action_key, parse_key, provisional_number, provisional_text
from tracker.repo.ledger.format import (
    FORMAT_VERSION,
    FormatError,
    decode,
    format_file,
    make_op,
    new_replica_id,
    new_ulid,
    read_format,
    read_op,
    ulid_suffix,
)
from tracker.repo.ledger.hlc import HybridClock, Stamp

UID = "01JD0000000000000000000001"


def _op(**kwargs: object) -> object:
    fields = {"clock": Stamp(1_764_000_000_000, 3), "replica": "abcdefghjkmnpqrs", "field": "owner",
              "value": "bob", "prev": ["f" * 32, "a" * 32]}
    fields.update(kwargs)
    return make_op("set", "action", UID, **fields)  # type: ignore[arg-type]


def test_an_operation_is_canonical_json_and_its_id_is_the_hash_of_its_bytes() -> None:
    op = _op()
    data = json.loads(op.raw)
    assert op.raw == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    assert data["prev"] == sorted(data["prev"])
    assert "note" not in data  # empty keys are left out: one change, one byte form
    assert _op().id == op.id and _op(value="ana").id != op.id
    assert read_op(op.path, op.raw) == op


def test_the_path_names_month_clock_replica_and_id() -> None:
    op = _op()
    assert op.path == f"ops/2025-11/{op.id[:2]}/1764000000000.000003-abcdefghjkmnpqrs-{op.id}.json"


@pytest.mark.parametrize("raw", [
    b"[1]", b"\xff\xfe", b"{}", b'{"op":"set","type":"action","entity":"../../etc","clock":"1.2","replica":"x"}',
    b"{" + b'"a":' * 10 + b"1",
])
def test_bytes_that_are_not_an_operation_are_refused(raw: bytes) -> None:
    with pytest.raises(FormatError):
        decode(raw)


def test_a_file_whose_name_does_not_match_its_bytes_is_refused() -> None:
    op = _op()
    with pytest.raises(FormatError):
        read_op(op.path.replace(op.id, "0" * 32), op.raw)
    with pytest.raises(FormatError):
        read_op(op.path, op.raw.replace(b"bob", b"eve"))


def test_an_unknown_kind_is_kept_but_not_known() -> None:
    op = make_op("paint", "action", UID, clock=Stamp(1, 0), replica="abcdefghjkmnpqrs", value="red")
    assert decode(op.raw).kind == "paint" and not op.known


def test_format_file_round_trip() -> None:
    assert read_format(format_file()) == FORMAT_VERSION
    assert read_format(format_file(7)) == 7
    with pytest.raises(FormatError):
        read_format(b"something else")


def test_ids_and_provisional_keys() -> None:
    uid = new_ulid(SkewedClock())
    assert len(uid) == 26 and len(new_replica_id()) == 16
    row_id = PROVISIONAL_BASE + ulid_suffix(uid)
    text = provisional_text(row_id)
    assert text.startswith("~") and len(text) == 7
    assert provisional_number(text) == row_id
    assert action_key(row_id) == f"ACT-{text}"
    assert parse_key(f"ACT-{text}", "ACT") == row_id
    assert parse_key(f"act-{text.upper()}", "ACT") == row_id
    with pytest.raises(InputError):
        parse_key("ACT-~k3f9", "ACT")


@pytest.mark.parametrize("skew", [timedelta(days=-1), timedelta(0), timedelta(days=1)])
def test_the_hybrid_clock_only_goes_forward_and_after_what_it_saw(skew: timedelta) -> None:
    clock = HybridClock(SkewedClock(skew=skew))
    stamps = [clock.tick() for _ in range(1000)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 1000
    ahead = Stamp(stamps[-1].ms + 2 * 86_400_000, 5)  # another replica a day and more ahead
    clock.observe(ahead)
    assert clock.tick() > ahead
    assert Stamp.parse(ahead.text) == ahead and ahead.text < clock.tick().text
