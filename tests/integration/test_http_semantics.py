"""HTTP details over real HTTP on the local stack: ids that need escaping, OPTIONS, HEAD and a 415 to PATCH."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.httpclient import call

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration


def _forget(stack: RunningStack, item_id: str) -> None:
    """Delete ``item_id`` straight from the table, so a fixed id can be created again on a rerun."""
    stack.emulator.client("dynamodb").delete_item(TableName=stack.table_name, Key={"id": {"S": item_id}})


@pytest.mark.parametrize("item_id", ["100%41", "two words", "caf\u00e9 \u2615"])
def test_an_id_that_needs_escaping_is_reachable_at_its_location(stack: RunningStack, item_id: str) -> None:
    _forget(stack, item_id)
    created = call("POST", f"{stack.url}/items", {"id": item_id, "n": 1})
    assert created.status == 201
    location = created.header("Location")
    assert location == f"/items/{quote(item_id, safe='')}"
    fetched = call("GET", f"{stack.url}{location}")
    assert (fetched.status, fetched.json()["id"]) == (200, item_id)


def test_under_the_stage_the_location_keeps_the_prefix_and_is_reachable(stack: RunningStack) -> None:
    item_id = f"50%25 off {uuid.uuid4()}"
    created = call("POST", f"{stack.url}/dev/items", {"id": item_id})
    location = created.header("Location")
    assert location == f"/dev/items/{quote(item_id, safe='')}"
    assert call("GET", f"{stack.url}{location}").json()["id"] == item_id


def test_preflight_allows_the_idempotency_key_and_lists_the_methods(stack: RunningStack) -> None:
    headers = {
        "Origin": stack.url,  # the local stack allows its own origin by default
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key",
    }
    reply = call("OPTIONS", f"{stack.url}/items", headers=headers)
    assert reply.status == 204
    allowed = {name.strip().lower() for name in (reply.header("Access-Control-Allow-Headers") or "").split(",")}
    assert {"content-type", "idempotency-key"} <= allowed
    assert reply.header("Allow") == "GET, HEAD, OPTIONS, POST"
    assert call("OPTIONS", f"{stack.url}/health").header("Allow") == "GET, HEAD, OPTIONS"


def test_a_415_to_patch_says_which_patch_type_to_send(stack: RunningStack) -> None:
    item_id = f"t-{uuid.uuid4()}"
    assert call("PUT", f"{stack.url}/items/{item_id}", {"a": 1}).status == 201
    refused = call("PATCH", f"{stack.url}/items/{item_id}", '{"a": 2}', {"Content-Type": "text/plain"})
    assert (refused.status, refused.header("Accept-Patch")) == (415, "application/merge-patch+json")
    posted = call("POST", f"{stack.url}/items", '{"a": 2}', {"Content-Type": "text/plain"})
    assert (posted.status, posted.header("Accept-Patch")) == (415, None)


def test_head_has_the_content_length_of_get(stack: RunningStack) -> None:
    item_id = f"t-{uuid.uuid4()}"
    assert call("PUT", f"{stack.url}/items/{item_id}", {"name": "caf\u00e9 \u2615"}).status == 201
    for path in (f"/items/{item_id}", "/health", "/items/missing-item"):
        got = call("GET", f"{stack.url}{path}")
        head = call("HEAD", f"{stack.url}{path}")
        assert (head.status, head.body) == (got.status, b""), path
        assert got.body, path
        assert head.header("Content-Length") == str(len(got.body)), path
