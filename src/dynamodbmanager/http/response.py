"""One HTTP response, and its shape as an API Gateway proxy result in the payload format of the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from dynamodbmanager import jsoncodec
from dynamodbmanager.http.request import FORMAT_V2

JSON = "application/json"


@dataclass
class Response:
    """Status, headers and a text body; every body this service sends is text (JSON, HTML, JS, CSS)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def to_result(self, payload_format: str) -> dict[str, Any]:
        """The proxy integration's result for API Gateway."""
        result: dict[str, Any] = {
            "statusCode": self.status,
            "headers": self.headers,
            "body": self.body,
            "isBase64Encoded": False,
        }
        if payload_format != FORMAT_V2:
            result["multiValueHeaders"] = {}
        return result


def json_response(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; numbers are written exactly as DynamoDB holds them."""
    return Response(status, jsoncodec.dumps(value), {"Content-Type": JSON, **(headers or {})})


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """A response without a body (204, 304)."""
    return Response(status, "", dict(headers or {}))


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    """The service's one error shape: ``{"error": {"code": ..., "message": ..., ...details}}``."""
    # A message may quote the request, lone surrogates included, and a body must be UTF-8: they become "?".
    message = message.encode("utf-8", "replace").decode("utf-8")
    return json_response(status, {"error": {"code": code, "message": message, **(details or {})}}, headers)


def status_phrase(status: int) -> str:
    """The reason phrase of ``status`` (for logs)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
