"""The console's routes: only its own files, each with its type, a strict CSP, nosniff and cache validators."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics

from dynamodbmanager.api.app import App
from dynamodbmanager.api.console import ASSETS, CONTENT_SECURITY_POLICY, DIRECTORY, ConsoleApi
from dynamodbmanager.config import Settings
from dynamodbmanager.http.request import Request
from dynamodbmanager.store.table import ItemTable


class _NoDynamoDB:
    """A client that fails the test if the console ever reaches DynamoDB."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the console called DynamoDB's {name}")


@pytest.fixture(scope="module")
def app() -> App:
    """The whole application, as the handler wires it, without a table behind it."""
    return App(Settings(), ItemTable(_NoDynamoDB(), "anything"), Logger(service="t"), Metrics(namespace="t"))


def _get(app: App, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The proxy result for a request of payload format 2.0 under the ``dev`` stage."""
    event = {
        "version": "2.0",
        "rawPath": f"/dev{path}",
        "rawQueryString": "",
        "headers": headers or {},
        "requestContext": {"http": {"method": method, "path": f"/dev{path}"}, "stage": "dev", "requestId": "r-1"},
    }
    return app.handle(event, None)


@pytest.mark.parametrize(
    ("path", "name", "content_type"),
    [
        ("/console", "index.html", "text/html; charset=utf-8"),
        ("/console/console.js", "console.js", "text/javascript; charset=utf-8"),
        ("/console/console.css", "console.css", "text/css; charset=utf-8"),
    ],
)
def test_each_file_is_served_with_its_type_and_security_headers(
    app: App, path: str, name: str, content_type: str
) -> None:
    result = _get(app, path)
    assert result["statusCode"] == 200
    assert result["body"] == (DIRECTORY / name).read_text(encoding="utf-8")
    headers = result["headers"]
    assert headers["Content-Type"] == content_type
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["ETag"])


def test_the_policy_allows_only_the_pages_own_files_and_origin() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/console/index.html",  # the page lives at /console only
        "/console/secret.py",
        "/console/..%2Fhandler.py",
        "/console/console.JS",
        "/console/favicon.ico",
    ],
)
def test_anything_but_the_allow_listed_files_is_a_404(app: App, path: str) -> None:
    result = _get(app, path)
    assert result["statusCode"] in (400, 404)
    assert result["headers"]["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in result["headers"]


def test_an_unknown_asset_names_itself_in_the_error(app: App) -> None:
    result = _get(app, "/console/app.js")
    assert result["statusCode"] == 404
    assert '"code":"AssetNotFound"' in result["body"]


def test_a_known_etag_is_a_304_and_head_has_no_body(app: App) -> None:
    tag = _get(app, "/console/console.js")["headers"]["ETag"]
    again = _get(app, "/console/console.js", headers={"if-none-match": f'W/"other", {tag}'})
    assert again["statusCode"] == 304
    assert again["body"] == ""
    assert again["headers"]["ETag"] == tag
    assert _get(app, "/console/console.js", headers={"if-none-match": '"other"'})["statusCode"] == 200
    head = _get(app, "/console", method="HEAD")
    assert head["statusCode"] == 200
    assert head["body"] == ""
    assert head["headers"]["Content-Type"] == "text/html; charset=utf-8"


def test_writes_to_the_console_are_refused(app: App) -> None:
    result = _get(app, "/console", method="POST")
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == "GET, HEAD, OPTIONS"


def test_files_are_read_on_the_first_request_not_before(tmp_path: Path) -> None:
    console = ConsoleApi(tmp_path / "missing")  # constructing it reads nothing, so a cold start pays nothing
    (tmp_path / "missing").mkdir()
    for name in ASSETS:
        (tmp_path / "missing" / name).write_text(f"/* {name} */", encoding="utf-8")
    response = console.asset(Request("GET", "/console/console.css"), {"asset": "console.css"})
    assert response.body == "/* console.css */"
    (tmp_path / "missing" / "console.css").write_text("changed", encoding="utf-8")
    assert console.asset(Request("GET", "/console/console.css"), {"asset": "console.css"}).body == "/* console.css */"


def test_the_page_loads_nothing_from_elsewhere_and_has_no_inline_code() -> None:
    page = (DIRECTORY / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<script src="([^"]+)"', page) == ["console/console.js"]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == ["console/console.css"]
    assert "<script>" not in page
    assert "<style" not in page
    assert not re.search(r"\sstyle=|\son[a-z]+=", page)
    for name in ASSETS:
        text = (DIRECTORY / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} refers to another origin"
    script = (DIRECTORY / "console.js").read_text(encoding="utf-8")
    assert "localStorage" not in script  # the API key lives in session storage only
    assert "innerHTML" not in script  # item values are data, never markup


def test_the_editor_has_a_plain_and_a_dynamodb_json_view_and_loads_items_typed() -> None:
    page = (DIRECTORY / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<button id="view-plain" type="button" aria-pressed="true">Plain JSON</button>', page)
    assert re.search(r'<button id="view-dynamodb" type="button" aria-pressed="false">DynamoDB JSON</button>', page)
    assert 'id="attribute-types"' in page
    script = (DIRECTORY / "console.js").read_text(encoding="utf-8")
    # Items come as DynamoDB JSON, so the console knows every type; plain edits go out as a merge patch.
    assert 'const TYPED = "format=dynamodb"' in script
    assert 'format: "dynamodb"' in script
    assert '"application/merge-patch+json"' in script
