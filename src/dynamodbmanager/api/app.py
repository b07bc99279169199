"""The application: routes each API Gateway event to its handler and turns every outcome into a response.

Every response, errors included, is JSON with CORS headers (but the console's own page and files); a client's
mistake is a 4xx, a dependency's failure a 5xx, and our own bug a 500 that is logged with the request id but never
shows a stack trace.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamodbmanager import __version__
from dynamodbmanager.api import openapi
from dynamodbmanager.api.console import ConsoleApi
from dynamodbmanager.api.idempotency import IdempotentCreation
from dynamodbmanager.api.items import ItemsApi
from dynamodbmanager.api.queries import QueriesApi
from dynamodbmanager.api.rpc import RpcApi
from dynamodbmanager.errors import Forbidden, ServiceError
from dynamodbmanager.http.cors import CorsPolicy
from dynamodbmanager.http.request import FORMAT_V2, Request, decode_body, from_event
from dynamodbmanager.http.response import Response, empty_response, error_response, json_response
from dynamodbmanager.http.routing import Router
from dynamodbmanager.store.client import botocore_client_of

if TYPE_CHECKING:
    from dynamodbmanager.config import Settings
    from dynamodbmanager.schema import KeyAttribute, TableShape
    from dynamodbmanager.store.table import ItemTable
    from dynamodbmanager.telemetry import LoggerLike, MetricsLike

Route = Callable[[Request, dict[str, str]], Response]


def table_design(name: str, shape: TableShape) -> dict[str, Any]:
    """``GET /table``: the table's name, key and indexes with their keys and projections."""

    def key(attributes: tuple[KeyAttribute, ...]) -> list[dict[str, str]]:
        return [{"name": attribute.name, "type": attribute.type} for attribute in attributes]

    return {
        "name": name,
        "key": key(shape.key),
        "indexes": [
            {"name": index.name, "kind": index.kind, "key": key(index.key), "projection": index.projection}
            for index in shape.indexes.values()
        ],
    }


#: A correlation id from a client is echoed in a header and logged, so it is kept to safe characters.
_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class App:
    """Routes, error handling, CORS, logs and metrics around the two APIs."""

    def __init__(self, settings: Settings, table: ItemTable, logger: LoggerLike, metrics: MetricsLike) -> None:
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        self.cors = CorsPolicy(settings.cors_allowed_origins)
        self._cold = True
        self.router: Router[Route] = Router()
        self._table_design = table_design(settings.table_name, table.shape)
        creation = IdempotentCreation(
            lambda: botocore_client_of(table.client, settings), settings.idempotency_table_name, settings.table_name
        )
        RpcApi(table, creation).register(self.router)
        ItemsApi(table, settings.cursor_signing_key, creation).register(self.router)
        QueriesApi(table, settings.cursor_signing_key).register(self.router)
        ConsoleApi().register(self.router)
        self.router.add("GET", "/health", self.health)
        openapi.OpenApiDocument(table.shape).register(self.router)
        self.router.add("GET", "/table", self.table)

    def health(self, request: Request, _params: dict[str, str]) -> Response:
        """Liveness: the function runs and knows its table (no DynamoDB call, so it is cheap to poll)."""
        request.operation = "health"
        return json_response(200, {"status": "ok", "version": __version__, "table": self.settings.table_name})

    def table(self, request: Request, _params: dict[str, str]) -> Response:
        """The table's design: its key and its indexes, so clients (the CLI, the console) address items by it."""
        request.operation = "table"
        return json_response(200, self._table_design)

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Serve one API Gateway proxy event and return the proxy result in the event's payload format."""
        started = time.perf_counter()
        payload_format = FORMAT_V2 if event.get("version") == FORMAT_V2 else "1.0"
        request = from_event(event)
        request.lambda_context = context
        correlation_id = self._correlation_id(request, context)
        # cold_start as Powertools' inject_lambda_context names it: true on the first request of the container.
        self.logger.append_keys(request_id=request.request_id, correlation_id=correlation_id, cold_start=self._cold)
        self._cold = False
        try:
            request.body = decode_body(event, self.settings.max_body_bytes)
            response = self._dispatch(request)
        except ServiceError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.headers(), exc.details)
        except Exception:
            self.logger.exception("Unhandled error", extra={"operation": request.operation})
            response = error_response(
                500, "InternalError", "The service failed; the error is logged with its request id."
            )
        response.headers.update(self.cors.headers(request.header("origin")))
        response.headers["X-Correlation-Id"] = correlation_id
        if request.method == "HEAD":
            if response.status not in (204, 304):
                # HEAD answers with GET's headers (RFC 9110 §9.3.2), so the length is that of GET's body.
                response.headers["Content-Length"] = str(len(response.body.encode("utf-8", "replace")))
            response.body = ""
        self._observe(request, response, started)
        return response.to_result(payload_format)

    def _dispatch(self, request: Request) -> Response:
        origin = request.header("origin")
        if origin is not None and request.method != "OPTIONS" and not self.cors.allows(origin, request.header("host")):
            # Browsers send Origin on every cross-site write, form posts included; curl and the SDKs send none.
            request.operation = "refused"
            raise Forbidden(f"Requests from the origin {origin!r} are not allowed; see CORS_ALLOWED_ORIGINS.")
        if request.method == "OPTIONS":
            request.operation = "preflight"
            allowed = self.router.allowed(request.path)
            if allowed is None:
                self.router.resolve("GET", request.path)  # raises the 404 with its message
            methods = allowed or ()
            headers = {"Allow": ", ".join(methods), **self.cors.preflight_headers(request.header("origin"), methods)}
            return empty_response(204, headers)
        match = self.router.resolve(request.method, request.path)
        return match.handler(request, match.params)

    @staticmethod
    def _correlation_id(request: Request, context: Any) -> str:
        supplied = request.header("x-correlation-id")
        if supplied and _SAFE_CORRELATION_ID.match(supplied):
            return supplied
        return request.request_id or getattr(context, "aws_request_id", "") or "-"

    def _observe(self, request: Request, response: Response, started: float) -> None:
        """One structured log line and the EMF metrics of the request; never its body or credentials."""
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        operation = request.operation or "unrouted"
        self.logger.info(
            "request",
            extra={
                "operation": operation,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "latency_ms": latency_ms,
            },
        )
        self.metrics.add_dimension("operation", operation)
        self.metrics.add_metric(name="Requests", unit="Count", value=1)
        self.metrics.add_metric(name="Latency", unit="Milliseconds", value=latency_ms)
        if response.status >= 500:
            self.metrics.add_metric(name="ServerErrors", unit="Count", value=1)
        elif response.status >= 400:
            self.metrics.add_metric(name="ClientErrors", unit="Count", value=1)
        self.metrics.flush_metrics()
