"""The web console: one static page and its own files, served by the function so it works locally and deployed.

Only the files named in :data:`ASSETS` are ever served, each with its own type, a strict Content-Security-Policy
and an entity tag of its content; they are read on the first request, not at import, to keep cold starts short.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dynamodbmanager.errors import NotFound
from dynamodbmanager.http.response import Response, empty_response

if TYPE_CHECKING:
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router

PAGE_ROUTE = "/console"
ASSET_ROUTE = "/console/{asset}"
#: The page, served at ``/console``; its files are addressed relative to it (``console/console.js``).
PAGE = "index.html"
#: Every file the console routes serve, with its Content-Type; nothing else under the directory is reachable.
ASSETS = {
    PAGE: "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
#: The page's own script and style only, API calls to its own origin only, no inline code, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: Revalidate on every load (a cheap 304 by ETag), so the page and its script never come from two releases.
CACHE_CONTROL = "no-cache"
DIRECTORY = Path(__file__).resolve().parent.parent / "console"


@dataclass(frozen=True)
class Asset:
    """One file of the console, read once: its text, type and entity tag."""

    body: str
    content_type: str
    etag: str

    @classmethod
    def read(cls, path: Path, content_type: str) -> Asset:
        """The file at ``path``, tagged by a digest of its bytes."""
        data = path.read_bytes()
        return cls(data.decode("utf-8"), content_type, f'"{hashlib.sha256(data).hexdigest()[:32]}"')


def _matches(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak or strong) or is ``*``."""
    if if_none_match is None:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or tag in candidates


class ConsoleApi:
    """``GET /console`` and ``GET /console/{asset}``: the page and its allow-listed files."""

    def __init__(self, directory: Path = DIRECTORY) -> None:
        self._directory = directory
        self._loaded: dict[str, Asset] = {}

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add the console's routes."""
        router.add("GET", PAGE_ROUTE, self.page)
        router.add("GET", ASSET_ROUTE, self.asset)

    def page(self, request: Request, _params: dict[str, str]) -> Response:
        """The console's HTML page."""
        request.operation = "console.page"
        return self._serve(request, PAGE)

    def asset(self, request: Request, params: dict[str, str]) -> Response:
        """One of the page's own files; any other name is a 404."""
        request.operation = "console.asset"
        name = params["asset"]
        if name == PAGE or name not in ASSETS:
            raise NotFound(f"The console has no file named '{name}'.", code="AssetNotFound")
        return self._serve(request, name)

    def _load(self, name: str) -> Asset:
        asset = self._loaded.get(name)
        if asset is None:
            asset = self._loaded[name] = Asset.read(self._directory / name, ASSETS[name])
        return asset

    def _serve(self, request: Request, name: str) -> Response:
        asset = self._load(name)
        headers = {
            "ETag": asset.etag,
            "Cache-Control": CACHE_CONTROL,
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if _matches(request.header("if-none-match"), asset.etag):
            return empty_response(304, headers)
        return Response(200, asset.body, {"Content-Type": asset.content_type, **headers})
