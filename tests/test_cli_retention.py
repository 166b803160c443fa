"""``atelier admin retention show|set|apply``: an administrator's, counts only."""

from __future__ import annotations

import json

from cli_driver import atelier, ok
from people import enrol

from store.sql_catalogue import open_catalogue


def test_an_administrator_sets_shows_and_applies_it() -> None:
    enrol(open_catalogue(), "alice", role="admin")
    before = ok("admin", "retention", "show")
    assert before.stdout.count("gardés jusqu'à leur suppression") == 3
    done = ok(
        "admin", "retention", "set", "--conversations", "90", "--drafts", "365", "--uploads", "30"
    )
    assert "Conversations : 90 jour(s)" in done.stdout
    assert "Fichiers joints et fichiers créés : 30 jour(s)" in done.stdout
    ok("admin", "retention", "set", "--drafts", "0")  # 0: kept until deleted; others unchanged
    shown = json.loads(ok("admin", "retention", "show", "--json").stdout)
    assert shown == {"conversations_days": 90, "drafts_days": None, "uploads_days": 30}
    applied = ok("admin", "retention", "apply")
    assert applied.stdout.splitlines() == [
        "Conversations : 0 effacé(s)",
        "Fichiers joints et fichiers créés : 0 effacé(s)",
    ]
    assert json.loads(ok("admin", "retention", "apply", "--json").stdout) == {
        "erased": {"conversations": 0, "uploads": 0},
        "skipped": 0,
    }


def test_with_nothing_set_apply_says_so() -> None:
    enrol(open_catalogue(), "alice", role="admin")
    result = ok("admin", "retention", "apply")
    assert "Aucune durée de conservation n'est fixée" in result.stderr


def test_someone_else_is_refused() -> None:
    enrol(open_catalogue(), "alice", role="creator")
    for args in (["show"], ["set", "--conversations", "1"], ["apply"]):
        result = atelier("admin", "retention", *args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
