"""Headers HTTP asks of some answers: Accept-Patch on a 415 to PATCH, Allow on OPTIONS, Content-Length on HEAD."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics

from dynamodbmanager.api.app import App
from dynamodbmanager.api.body import JSON_TYPES, MERGE_PATCH_TYPES, json_object
from dynamodbmanager.config import Settings
from dynamodbmanager.errors import UnsupportedMediaType
from dynamodbmanager.http.request import Request
from dynamodbmanager.store.table import ItemTable


def _app(origins: tuple[str, ...]) -> App:
    """An app whose routes tested here never reach DynamoDB, so it needs no table behind it."""
    settings = Settings(cors_allowed_origins=origins)
    return App(settings, ItemTable(object(), "anything"), Logger(service="app-responses"), Metrics(namespace="t"))


def _event(method: str, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API (payload format 1.0) event without a body."""
    return {
        "httpMethod": method,
        "path": path,
        "headers": headers or {},
        "requestContext": {"path": path, "requestId": "r"},
        "body": None,
    }


def test_a_415_to_a_merge_patch_names_the_patch_type() -> None:
    request = Request("PATCH", "/items/1", headers={"content-type": "text/plain"}, body=b"{}")
    with pytest.raises(UnsupportedMediaType) as caught:
        json_object(request, MERGE_PATCH_TYPES, "The merge patch")
    assert caught.value.headers() == {"Accept-Patch": "application/merge-patch+json"}


def test_a_415_elsewhere_has_no_accept_patch() -> None:
    request = Request("POST", "/items", headers={"content-type": "text/plain"}, body=b"{}")
    with pytest.raises(UnsupportedMediaType) as caught:
        json_object(request, JSON_TYPES)
    assert caught.value.headers() == {}


@pytest.mark.parametrize("origins", [(), ("*",), ("https://app.example",)])
def test_options_lists_the_paths_methods_in_allow(origins: tuple[str, ...]) -> None:
    result = _app(origins).handle(_event("OPTIONS", "/items", {"Origin": "https://app.example"}))
    assert result["statusCode"] == 204
    assert result["headers"]["Allow"] == "GET, HEAD, OPTIONS, POST"


@pytest.mark.parametrize("path", ["/health", "/nowhere"])
def test_head_sends_the_content_length_of_the_get_body(path: str) -> None:
    app = _app(("*",))
    got = app.handle(_event("GET", path))
    head = app.handle(_event("HEAD", path))
    assert (head["statusCode"], head["body"]) == (got["statusCode"], "")
    assert head["headers"]["Content-Length"] == str(len(got["body"].encode("utf-8")))
    assert json.loads(got["body"])


def test_head_of_an_empty_answer_has_no_content_length() -> None:
    result = _app(("*",)).handle(_event("HEAD", "/console", {"If-None-Match": "*"}))
    assert result["statusCode"] == 304
    assert "Content-Length" not in result["headers"]
