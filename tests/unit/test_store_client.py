"""Which DynamoDB client the function gets, and what a SnapStart restore does to the lean one."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

import pytest

from dynamodbmanager.config import Settings
from dynamodbmanager.store.client import BotocoreDynamoDB, make_client, user_agent
from dynamodbmanager.store.lean import LeanDynamoDB

ENDPOINT = "http://127.0.0.1:1"


def _settings(**env: str) -> Settings:
    return Settings.from_env({"DYNAMODB_ENDPOINT_URL": ENDPOINT, **env})


def test_the_lean_client_is_the_default_when_the_environment_has_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = make_client(_settings())
    assert isinstance(client, LeanDynamoDB)
    assert client.endpoint_url == ENDPOINT


def test_botocore_is_one_setting_away(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert isinstance(make_client(_settings(DYNAMODB_CLIENT="botocore")), BotocoreDynamoDB)


def test_without_credentials_in_the_environment_botocore_finds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    assert isinstance(make_client(_settings()), BotocoreDynamoDB)


def test_an_unknown_client_stops_the_init_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="DYNAMODB_CLIENT must be one of lean, botocore"):
        _settings(DYNAMODB_CLIENT="boto4")


def test_the_user_agent_names_the_service_and_python() -> None:
    assert user_agent().startswith("dynamodbmanager/")
    assert "Python/3." in user_agent("Botocore/1.0")


def test_a_snapstart_restore_reseeds_jitter_takes_the_new_credentials_and_reconnects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks: list[Callable[[], None]] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = hooks.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "BEFORE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = make_client(_settings())
    assert isinstance(client, LeanDynamoDB)
    closed: list[bool] = []
    monkeypatch.setattr(client, "close", lambda: closed.append(True))
    seeded: list[bool] = []
    monkeypatch.setattr("random.seed", lambda *_args: seeded.append(True))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AFTER")
    (restored,) = hooks
    restored()
    headers = client._signer.sign("POST", ENDPOINT + "/", {"Host": "127.0.0.1:1"}, b"{}", now=0)
    assert "Credential=AFTER/" in headers["Authorization"]
    assert closed == [True]
    assert seeded == [True]
