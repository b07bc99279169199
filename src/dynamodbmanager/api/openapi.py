"""The OpenAPI 3 document of both contracts, shipped as a JSON file and read on first request."""

from __future__ import annotations

import functools
from pathlib import Path

from dynamodbmanager.http.response import JSON, Response

DOCUMENT = Path(__file__).with_name("openapi.json")


@functools.cache
def _text() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


def response() -> Response:
    """``GET /openapi.json``."""
    return Response(200, _text(), {"Content-Type": JSON})
