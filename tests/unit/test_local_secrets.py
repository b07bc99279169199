"""The local stack's cursor-signing secret: one per data directory, private, never a planted file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dynamodbmanager.local.stack import CURSOR_KEY_FILE, cursor_signing_key


def test_a_data_directory_keeps_one_private_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURSOR_SIGNING_KEY", raising=False)
    first, again = cursor_signing_key(tmp_path), cursor_signing_key(tmp_path)
    assert first == again
    assert len(first) >= 32
    assert stat.S_IMODE((tmp_path / CURSOR_KEY_FILE).stat().st_mode) == 0o600


def test_an_in_memory_run_gets_a_new_secret_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURSOR_SIGNING_KEY", raising=False)
    assert cursor_signing_key(None) != cursor_signing_key(None)


def test_a_link_planted_in_the_data_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURSOR_SIGNING_KEY", raising=False)
    known = tmp_path / "known.txt"
    known.write_text("everyone-knows-this")
    (tmp_path / CURSOR_KEY_FILE).symlink_to(known)
    with pytest.raises(OSError, match=r"symbolic links|Too many levels"):
        cursor_signing_key(tmp_path)


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_SIGNING_KEY", "from-the-environment")
    assert cursor_signing_key(tmp_path) == "from-the-environment"
