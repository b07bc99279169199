"""The local gateway's proxy events: the path reaches the function percent-encoded, as API Gateway hands it over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from dynamodbmanager.http.request import from_event
from dynamodbmanager.http.routing import Router
from dynamodbmanager.local.gateway import LocalGateway

if TYPE_CHECKING:
    from dynamodbmanager.local.invoker import Invoker


class _Recorder:
    """A function that keeps every event it is invoked with and answers with a fixed proxy result."""

    def __init__(self, result: dict[str, Any] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.result = result or {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """Record ``event`` so the test can read what the function would have received."""
        self.events.append(event)
        return self.result


def _gateway(recorder: _Recorder, api_key: str | None = None) -> LocalGateway:
    """A gateway in front of ``recorder`` under the default stage."""
    return LocalGateway(cast("Invoker", recorder), api_key=api_key)


def _event(path: str) -> dict[str, Any]:
    """The event the gateway builds for ``GET path`` sent over HTTP."""
    recorder = _Recorder()
    Client(_gateway(recorder)).get(path)
    [event] = recorder.events
    return event


def test_the_event_path_keeps_the_clients_percent_encoding() -> None:
    event = _event("/items/100%2541")
    assert event["path"] == "/items/100%2541"
    assert event["requestContext"]["path"] == "/items/100%2541"
    # pathParameters are decoded by API Gateway.
    assert event["pathParameters"] == {"proxy": "items/100%41"}


def test_under_the_stage_the_prefix_moves_to_the_request_context() -> None:
    event = _event("/dev/items/a%20b%C3%A9?limit=1")
    assert event["path"] == "/items/a%20b%C3%A9"
    assert event["requestContext"]["path"] == "/dev/items/a%20b%C3%A9"
    assert event["pathParameters"] == {"proxy": "items/a b\u00e9"}
    assert event["queryStringParameters"] == {"limit": "1"}


@pytest.mark.parametrize(
    ("sent", "item_id"),
    [("/items/100%2541", "100%41"), ("/dev/items/a%20b", "a b"), ("/items/caf%C3%A9", "caf\u00e9")],
)
def test_the_router_decodes_the_id_exactly_once(sent: str, item_id: str) -> None:
    request = from_event(_event(sent))
    router: Router[str] = Router()
    router.add("GET", "/items/{id}", "get")
    assert router.resolve("GET", request.path).params == {"id": item_id}


def test_without_a_raw_uri_the_decoded_path_is_encoded_again() -> None:
    environ = EnvironBuilder(path="/items/100%2541").get_environ()
    for name in ("RAW_URI", "REQUEST_URI"):
        environ.pop(name)
    recorder = _Recorder()
    _gateway(recorder).respond(Request(environ))
    assert recorder.events[0]["path"] == "/items/100%2541"


def test_the_api_key_check_sees_the_same_path_as_the_function() -> None:
    recorder = _Recorder()
    client = Client(_gateway(recorder, api_key="s3cret"))
    assert client.get("/dev/console/console.js").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/items/100%2541").status_code == 403
    assert client.get("/items/100%2541", headers={"x-api-key": "s3cret"}).status_code == 200
    assert [event["path"] for event in recorder.events] == ["/console/console.js", "/health", "/items/100%2541"]


def test_head_keeps_the_content_length_the_function_gives() -> None:
    result = {"statusCode": 200, "headers": {"Content-Type": "application/json", "Content-Length": "42"}, "body": ""}
    response = Client(_gateway(_Recorder(result))).head("/items/1")
    assert response.headers["Content-Length"] == "42"
    assert response.get_data() == b""


def test_other_methods_send_the_bodys_own_length() -> None:
    result = {"statusCode": 200, "headers": {"Content-Type": "text/plain", "Content-Length": "42"}, "body": "caf\u00e9"}
    response = Client(_gateway(_Recorder(result))).get("/items/1")
    assert response.headers["Content-Length"] == "5"
    assert response.get_data() == "caf\u00e9".encode()
