"""The HTTP layer: events of both payload formats, routes, entity tags and CORS."""

from __future__ import annotations

import base64

import pytest

from dynamodbmanager.errors import BadRequest, MethodNotAllowed, NotFound, PayloadTooLarge
from dynamodbmanager.http.conditional import ANY, etag, parse_etags
from dynamodbmanager.http.cors import CorsPolicy
from dynamodbmanager.http.request import FORMAT_V2, decode_body, from_event
from dynamodbmanager.http.routing import Router


def test_v1_event_keeps_the_stage_for_urls() -> None:
    request = from_event(
        {
            "httpMethod": "get",
            "path": "/items/1",
            "headers": {"X-Thing": "a"},
            "multiValueHeaders": {"Accept": ["a", "b"]},
            "multiValueQueryStringParameters": {"limit": ["1", "2"]},
            "requestContext": {"path": "/dev/items/1", "requestId": "r"},
        }
    )
    assert (request.method, request.path, request.base_path, request.request_id) == ("GET", "/items/1", "/dev", "r")
    assert request.header("x-thing") == "a"
    assert request.header("accept") == "a, b"
    assert request.query_value("limit") == "2"
    assert request.url_for("/items/2") == "/dev/items/2"


def test_v2_event_strips_the_stage_and_decodes_the_query() -> None:
    request = from_event(
        {
            "version": "2.0",
            "rawPath": "/dev/items",
            "rawQueryString": "limit=5&cursor=a%2Bb&x",
            "headers": {"content-type": "application/json"},
            "cookies": ["a=1", "b=2"],
            "requestContext": {"http": {"method": "POST"}, "stage": "dev", "requestId": "r2"},
        }
    )
    assert (request.method, request.path, request.base_path, request.payload_format) == (
        "POST",
        "/items",
        "/dev",
        FORMAT_V2,
    )
    assert request.query_value("cursor") == "a+b"
    assert request.header("cookie") == "a=1; b=2"


def test_v2_default_stage_has_no_prefix() -> None:
    request = from_event({"version": "2.0", "rawPath": "/items", "requestContext": {"stage": "$default", "http": {}}})
    assert (request.path, request.base_path) == ("/items", "")


def test_base64_body_is_decoded_and_invalid_base64_refused() -> None:
    encoded = base64.b64encode(b'{"a":1}').decode()
    assert decode_body({"body": encoded, "isBase64Encoded": True}, 100) == b'{"a":1}'
    with pytest.raises(BadRequest, match="base64"):
        decode_body({"body": "***", "isBase64Encoded": True}, 100)


def test_body_over_the_limit_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        decode_body({"body": "x" * 101}, 100)


def _router() -> Router[str]:
    router: Router[str] = Router()
    router.add("GET", "/items", "list")
    router.add("POST", "/items", "create")
    router.add("GET", "/items/{id}", "get")
    return router


def test_routes_resolve_with_decoded_parameters_and_head_as_get() -> None:
    router = _router()
    match = router.resolve("HEAD", "/items/a%20b")
    assert (match.handler, match.params) == ("get", {"id": "a b"})


def test_unknown_path_is_404_and_wrong_method_is_405_with_allow() -> None:
    router = _router()
    with pytest.raises(NotFound):
        router.resolve("GET", "/nothing")
    with pytest.raises(MethodNotAllowed) as caught:
        router.resolve("DELETE", "/items")
    assert caught.value.headers() == {"Allow": "GET, HEAD, OPTIONS, POST"}


@pytest.mark.parametrize("path", ["/items/..", "/items/.", "/items/a%2Fb", "/items/%2e%2e"])
def test_traversal_and_encoded_slashes_are_refused(path: str) -> None:
    with pytest.raises(BadRequest):
        _router().resolve("GET", path)


def test_entity_tags() -> None:
    assert etag(3) == '"3"'
    assert parse_etags('"3"', "If-Match") == {3}
    assert parse_etags('W/"3", "4"', "If-Match") == {4}
    assert parse_etags('W/"3", "4"', "If-None-Match", weak=True) == {3, 4}
    assert parse_etags("*", "If-Match") == ANY
    assert parse_etags('"abc"', "If-Match") == set()


@pytest.mark.parametrize("header", ["3", "garbage", '"3', '"a"b"', '"3"\r\nX-Injected: 1'])
def test_malformed_entity_tags_are_400(header: str) -> None:
    with pytest.raises(BadRequest):
        parse_etags(header, "If-Match")


def test_cors_echoes_only_configured_origins() -> None:
    policy = CorsPolicy(["https://app.example"])
    assert policy.headers("https://app.example")["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Access-Control-Allow-Origin" not in policy.headers("https://evil.example")
    preflight = policy.preflight_headers("https://app.example", ["GET", "POST"])
    assert preflight["Access-Control-Allow-Methods"] == "GET, POST"
    assert "If-Match" in preflight["Access-Control-Allow-Headers"]
    assert CorsPolicy(["*"]).headers(None)["Access-Control-Allow-Origin"] == "*"
    assert CorsPolicy([]).headers("https://app.example") == {}


@pytest.mark.parametrize("origins", [["https://app.example"], ["*"]])
def test_preflight_allows_every_request_header_the_api_reads(origins: list[str]) -> None:
    preflight = CorsPolicy(origins).preflight_headers("https://app.example", ["POST"])
    allowed = {name.strip().lower() for name in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "if-match", "if-none-match", "idempotency-key", "x-correlation-id"} <= allowed
