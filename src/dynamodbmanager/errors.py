"""Errors the service answers with: each carries its HTTP status and a stable code clients can match on."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ServiceError(Exception):
    """A refusal or failure that becomes a JSON error response ``{"error": {"code", "message"}}``."""

    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code: str = "InternalError"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: More members of the error object, such as the actions of a cancelled transaction.
        self.details = details or {}
        if code is not None:
            self.code = code

    def headers(self) -> dict[str, str]:
        """Extra response headers the status calls for."""
        return {}


class BadRequest(ServiceError):
    """The request is malformed or asks for something the operation does not take."""

    status = HTTPStatus.BAD_REQUEST
    code = "ValidationError"


class Forbidden(ServiceError):
    """The request comes from somewhere the service does not serve (403)."""

    status = HTTPStatus.FORBIDDEN
    code = "OriginNotAllowed"


class NotFound(ServiceError):
    """No item, or no route, at the requested path."""

    status = HTTPStatus.NOT_FOUND
    code = "NotFound"


class MethodNotAllowed(ServiceError):
    """The path exists but not with this method; ``Allow`` lists the methods it has."""

    status = HTTPStatus.METHOD_NOT_ALLOWED
    code = "MethodNotAllowed"

    def __init__(self, message: str, *, allow: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allow = allow

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allow)}


class Conflict(ServiceError):
    """A conditional write failed: the item exists already, or the caller's condition does not hold."""

    status = HTTPStatus.CONFLICT
    code = "ConditionalCheckFailed"


class PreconditionFailed(ServiceError):
    """``If-Match`` names a version other than the item's current one."""

    status = HTTPStatus.PRECONDITION_FAILED
    code = "PreconditionFailed"


class PayloadTooLarge(ServiceError):
    """The body or the item is over a size limit."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "PayloadTooLarge"


class UnsupportedMediaType(ServiceError):
    """The body is declared as something other than JSON; to a PATCH, ``Accept-Patch`` names the patch type."""

    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    code = "UnsupportedMediaType"

    def __init__(self, message: str, *, code: str | None = None, accept_patch: str | None = None) -> None:
        super().__init__(message, code=code)
        self.accept_patch = accept_patch

    def headers(self) -> dict[str, str]:
        """``Accept-Patch`` when the refused body was a patch (RFC 5789 §2.2)."""
        return {} if self.accept_patch is None else {"Accept-Patch": self.accept_patch}


class UnprocessableEntity(ServiceError):
    """The request is well formed but contradicts an earlier one (e.g. an idempotency key reused)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "IdempotencyKeyMismatch"


class DependencyFailed(ServiceError):
    """DynamoDB refused the function itself (e.g. access denied): retrying will not help until it is fixed."""

    status = HTTPStatus.BAD_GATEWAY
    code = "DependencyFailure"


class NotImplementedByBackend(ServiceError):
    """The DynamoDB the service talks to lacks an operation (dynalite has no transactions)."""

    status = HTTPStatus.NOT_IMPLEMENTED
    code = "NotSupportedByBackend"


class ServiceUnavailable(ServiceError):
    """DynamoDB throttled, timed out or could not be reached; retrying later can help."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "ServiceUnavailable"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: int | None = 1,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
