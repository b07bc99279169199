"""Contract 2 over real HTTP: the REST resource API with versions as entity tags, on the local stack."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.httpclient import call
from tests.integration import backends

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
#: Every test of this module runs on both local DynamoDB backends and both clients of the function.
backend, stack = backends.BACKEND, backends.STACK
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def new_id() -> str:
    """An id no other test uses."""
    return f"t-{uuid.uuid4()}"


def test_create_read_replace_patch_delete(stack: RunningStack) -> None:
    created = call("POST", f"{stack.url}/items", {"name": "lamp", "price": 19.99, "tags": ["a"]})
    assert created.status == 201
    item = created.json()
    assert created.header("Location") == f"/items/{item['id']}"
    assert created.header("ETag") == '"1"'
    assert item["_version"] == 1
    url = f"{stack.url}/items/{item['id']}"

    fetched = call("GET", url)
    assert (fetched.status, fetched.json(), fetched.header("ETag")) == (200, item, '"1"')

    replaced = call("PUT", url, {"name": "desk"}, {"If-Match": '"1"'})
    assert (replaced.status, replaced.json(), replaced.header("ETag")) == (
        200,
        {"id": item["id"], "name": "desk", "_version": 2},
        '"2"',
    )

    patched = call("PATCH", url, '{"name": null, "size": {"w": 2}}', {**MERGE_PATCH, "If-Match": '"2"'})
    assert patched.status == 200
    assert patched.json() == {"id": item["id"], "size": {"w": 2}, "_version": 3}

    assert call("DELETE", url, headers={"If-Match": '"3"'}).status == 204
    assert call("GET", url).status == 404
    assert call("DELETE", url).status == 404


def test_post_with_an_existing_id_is_409_and_changes_nothing(stack: RunningStack) -> None:
    item_id = new_id()
    assert call("POST", f"{stack.url}/items", {"id": item_id, "v": 1}).status == 201
    reply = call("POST", f"{stack.url}/items", {"id": item_id, "v": 2})
    assert (reply.status, reply.json()["error"]["code"]) == (409, "ItemExists")
    assert call("GET", f"{stack.url}/items/{item_id}").json()["v"] == 1


def test_put_creates_then_replaces(stack: RunningStack) -> None:
    item_id = new_id()
    url = f"{stack.url}/items/{quote(item_id)}"
    first = call("PUT", url, {"a": 1})
    assert (first.status, first.header("Location"), first.header("ETag")) == (201, f"/items/{item_id}", '"1"')
    second = call("PUT", url, {"b": 2})
    assert (second.status, second.json()) == (200, {"id": item_id, "b": 2, "_version": 2})


def test_put_if_none_match_star_never_replaces(stack: RunningStack) -> None:
    item_id = new_id()
    url = f"{stack.url}/items/{item_id}"
    assert call("PUT", url, {"a": 1}, {"If-None-Match": "*"}).status == 201
    assert call("PUT", url, {"a": 2}, {"If-None-Match": "*"}).status == 412
    assert call("GET", url).json()["a"] == 1


def test_stale_if_match_is_412_and_changes_nothing(stack: RunningStack) -> None:
    item_id = new_id()
    url = f"{stack.url}/items/{item_id}"
    call("PUT", url, {"a": 1})
    call("PUT", url, {"a": 2})
    for method, body in (("PUT", '{"a": 3}'), ("PATCH", '{"a": 3}'), ("DELETE", None)):
        reply = call(method, url, body, {"If-Match": '"1"', "Content-Type": "application/json"})
        assert (reply.status, reply.json()["error"]["code"]) == (412, "PreconditionFailed"), method
    assert call("GET", url).json() == {"id": item_id, "a": 2, "_version": 2}


def test_if_match_on_a_missing_item_is_412(stack: RunningStack) -> None:
    assert call("PUT", f"{stack.url}/items/{new_id()}", {"a": 1}, {"If-Match": "*"}).status == 412


def test_get_if_none_match_is_304(stack: RunningStack) -> None:
    item_id = new_id()
    url = f"{stack.url}/items/{item_id}"
    call("PUT", url, {"a": 1})
    reply = call("GET", url, headers={"If-None-Match": '"1"'})
    assert (reply.status, reply.body, reply.header("ETag")) == (304, b"", '"1"')
    assert call("GET", url, headers={"If-None-Match": '"0"'}).status == 200


def test_patch_of_a_missing_item_is_404_and_creates_nothing(stack: RunningStack) -> None:
    item_id = new_id()
    assert call("PATCH", f"{stack.url}/items/{item_id}", "{}", MERGE_PATCH).status == 404
    assert call("GET", f"{stack.url}/items/{item_id}").status == 404


def test_patch_needs_a_json_media_type(stack: RunningStack) -> None:
    item_id = new_id()
    call("PUT", f"{stack.url}/items/{item_id}", {"a": 1})
    reply = call("PATCH", f"{stack.url}/items/{item_id}", "a=1", {"Content-Type": "application/x-www-form-urlencoded"})
    assert (reply.status, reply.json()["error"]["code"]) == (415, "UnsupportedMediaType")


def test_list_pages_through_everything_with_the_cursor(stack: RunningStack) -> None:
    prefix = new_id()
    for index in range(7):
        call("PUT", f"{stack.url}/items/{prefix}-{index}", {"n": index})
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = f"limit=3&cursor={cursor}" if cursor else "limit=3"
        page = call("GET", f"{stack.url}/items?{query}").json()
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break
    assert sorted(i for i in seen if i.startswith(prefix)) == [f"{prefix}-{index}" for index in range(7)]
    assert len(seen) == len(set(seen))
    assert pages >= 3


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "InvalidLimit"),
        ("limit=-1", "InvalidLimit"),
        ("limit=1001", "InvalidLimit"),
        ("limit=1000000000", "InvalidLimit"),
        ("limit=ten", "InvalidLimit"),
        ("cursor=garbage", "InvalidCursor"),
        ("cursor=eyJpZCI6eyJTIjoiMSJ9fQ.AAAAAAAAAAAAAAAAAAAAAA", "InvalidCursor"),
    ],
)
def test_bad_list_parameters_are_400(stack: RunningStack, query: str, code: str) -> None:
    reply = call("GET", f"{stack.url}/items?{query}")
    assert (reply.status, reply.json()["error"]["code"]) == (400, code)


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/items", "[1, 2]", {}, 400),
        ("POST", "/items", "", {}, 400),
        ("POST", "/items", '{"id": 5}', {}, 400),
        ("POST", "/items", '{"id": ""}', {}, 400),
        ("POST", "/items", '{"a": 1}', {"Content-Type": "text/csv"}, 415),
        ("POST", "/items", '{"n": 123456789012345678901234567890123456789}', {}, 400),
        ("PUT", "/items/a", '{"id": "b"}', {}, 400),
        ("PUT", "/items/a", '{"x": 1}', {"If-Match": "not-an-etag"}, 400),
        ("DELETE", "/items", None, {}, 405),
        ("GET", "/nowhere", None, {}, 404),
        ("GET", "/items/..%2F..%2Fetc", None, {}, 400),
    ],
)
def test_refused_requests_write_nothing(  # noqa: PLR0917 - one parameter per column of the table above
    stack: RunningStack, method: str, path: str, body: str | None, headers: dict[str, str], status: int
) -> None:
    before = stack.scan_all()
    reply = call(method, f"{stack.url}{path}", body, headers)
    assert reply.status == status
    error = reply.json()["error"]
    assert error["code"]
    assert error["message"]
    assert stack.scan_all() == before


def test_cors_preflight_and_headers_on_errors(stack: RunningStack) -> None:
    preflight = call(
        "OPTIONS",
        f"{stack.url}/items/x",
        headers={"Origin": stack.url, "Access-Control-Request-Method": "PATCH"},
    )
    assert preflight.status == 204
    assert preflight.header("Access-Control-Allow-Methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    # The local stack allows its own origin by default (the deployed API, CORS_ALLOWED_ORIGINS).
    assert preflight.header("Access-Control-Allow-Origin") == stack.url
    missing = call("GET", f"{stack.url}/items/{new_id()}", headers={"Origin": stack.url})
    assert missing.status == 404
    assert missing.header("Access-Control-Allow-Origin") == stack.url
    assert "ETag" in (missing.header("Access-Control-Expose-Headers") or "")


def test_head_has_headers_and_no_body(stack: RunningStack) -> None:
    item_id = new_id()
    call("PUT", f"{stack.url}/items/{item_id}", {"a": 1})
    reply = call("HEAD", f"{stack.url}/items/{item_id}")
    assert (reply.status, reply.body, reply.header("ETag")) == (200, b"", '"1"')


def test_health_and_openapi(stack: RunningStack) -> None:
    assert call("GET", f"{stack.url}/health").json()["status"] == "ok"
    document = call("GET", f"{stack.url}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/dynamodbmanager", "/items", "/items/{id}", "/health"} <= set(document["paths"])


def test_the_stage_prefix_works_like_the_deployed_url(stack: RunningStack) -> None:
    created = call("POST", f"{stack.url}/dev/items", {"a": 1})
    assert created.status == 201
    location = created.header("Location") or ""
    assert location.startswith("/dev/items/")
    assert call("GET", f"{stack.url}{location}").json()["a"] == 1
