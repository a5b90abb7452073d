"""Keep-my-edit: an edit made on one version replayed, field by field, on the version someone else saved."""

from __future__ import annotations

from tracker.tui.dialogs.form import rebase


def test_their_changes_are_taken_where_you_changed_nothing() -> None:
    base = {"title": "Old", "owner": "ana", "priority": "P2"}
    mine = {"title": "Mine", "owner": "ana", "priority": "P2"}
    theirs = {"title": "Old", "owner": "bo", "priority": "P2"}
    assert rebase(base, mine, theirs) == ({"owner": "bo"}, {})


def test_fields_you_both_changed_keep_yours_and_show_theirs() -> None:
    base = {"title": "Old", "due": "2026-12-01"}
    mine = {"title": "Mine", "due": "2026-12-01"}
    theirs = {"title": "Theirs", "due": "2026-12-07"}
    assert rebase(base, mine, theirs) == ({"due": "2026-12-07"}, {"title": "Theirs"})


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    assert rebase({"title": "Old"}, {"title": "Same"}, {"title": "Same"}) == ({}, {})


def test_a_field_missing_from_yours_counts_as_untouched() -> None:
    assert rebase({"title": "Old"}, {"title": "Old"}, {"title": "Old", "status": "closed"}) == (
        {"status": "closed"}, {})
