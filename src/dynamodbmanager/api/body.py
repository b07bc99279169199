"""Request bodies: the media types each route accepts, parsed as exact JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dynamodbmanager import jsoncodec
from dynamodbmanager.errors import BadRequest, UnsupportedMediaType

if TYPE_CHECKING:
    from dynamodbmanager.http.request import Request

JSON_TYPES = frozenset({"application/json"})
#: ``curl --data @file`` sends this type; the RPC endpoint has always taken its body as JSON whatever the type.
RPC_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded", "text/plain"})
MERGE_PATCH_TYPES = frozenset({"application/merge-patch+json", "application/json"})
#: What a 415 to a PATCH names in ``Accept-Patch``: the patch format (RFC 7396).
MERGE_PATCH = "application/merge-patch+json"


def media_type(request: Request) -> str | None:
    """The request's media type without parameters, lower-cased; None when there is no Content-Type."""
    value = request.header("content-type")
    if value is None or not value.strip():
        return None
    return value.split(";", 1)[0].strip().lower()


def json_object(request: Request, accepted: frozenset[str] = JSON_TYPES, what: str = "The body") -> dict[str, Any]:
    """The body as a JSON object; 415 for another media type, 400 for anything but an object."""
    declared = media_type(request)
    if declared is not None and declared not in accepted:
        raise UnsupportedMediaType(
            f"Content-Type {declared} is not accepted here; send {', '.join(sorted(accepted))}.",
            accept_patch=MERGE_PATCH if accepted == MERGE_PATCH_TYPES else None,
        )
    if not request.body.strip():
        raise BadRequest(f"{what} is empty; send a JSON object.", code="InvalidJson")
    value = jsoncodec.loads(request.body)
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object, not {_json_type(value)}.", code="InvalidJson")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
