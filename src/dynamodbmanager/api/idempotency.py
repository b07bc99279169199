"""Idempotent creation: ``POST /items`` or RPC ``create`` retried with one ``Idempotency-Key`` answers as at first.

AWS Lambda Powertools' idempotency utility keeps each key's outcome in its own DynamoDB table for an hour:
a retry with the same key and body gets the stored response without writing again; the same key with
another body is a 422; a retry while the first is still running is a 409. A failed creation is not
kept, so its retry runs again, and neither is one the function's timeout cut short: the record in progress
expires with the invocation (Powertools reads the Lambda context's remaining time). Keys are scoped by the
caller API Gateway authenticated (the API key's id, the IAM principal, a JWT's subject), so one client's key
never replays or blocks another's. Powertools' idempotency code is imported on the first request that
carries the header: requests without it, and the cold start, never pay for it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from dynamodbmanager.errors import BadRequest, Conflict, ServiceUnavailable, UnprocessableEntity
from dynamodbmanager.http.response import Response

#: The request header that names a creation, lower-cased as requests keep their headers.
HEADER = "idempotency-key"
#: How long a key's outcome is kept (Powertools' default, and the TTL it writes).
EXPIRES_AFTER_SECONDS = 60 * 60
#: Visible ASCII, as a header value can carry it unambiguously; long enough for a UUID or a hash.
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotentCreation:
    """Runs a creation at most once per key, scope and body, over the idempotency table."""

    def __init__(self, botocore_client: Callable[[], Any], table_name: str, scope: str) -> None:
        #: Made on the first request with the header: Powertools' persistence layer needs botocore's client.
        self._botocore_client = botocore_client
        self._table_name = table_name
        #: Keys are per items table: stacks sharing one idempotency table never see each other's keys.
        self._scope = scope
        self._persistence: Any = None

    def run(
        self,
        key: str,
        operation: str,
        body: bytes,
        create: Callable[[], Response],
        *,
        caller: str = "",
        lambda_context: Any = None,
    ) -> Response:
        """``create()``'s response, or the one stored for ``key`` when the same creation by ``caller`` ran before."""
        if not _VALID_KEY.match(key):
            raise BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters.", code="InvalidIdempotencyKey")
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        def create_and_keep(request: dict[str, str]) -> dict[str, Any]:
            response = create()
            return {"status": response.status, "headers": response.headers, "body": response.body}

        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            expires_after_seconds=EXPIRES_AFTER_SECONDS,
        )
        if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
            config.register_lambda_context(lambda_context)
        scope = f"{self._scope}.{caller}" if caller else self._scope
        create_once: Callable[..., dict[str, Any]] = idempotent_function(
            create_and_keep,
            data_keyword_argument="request",
            persistence_store=self._persistence_layer(),
            config=config,
            key_prefix=f"{scope}.{operation}",
        )
        try:
            stored = create_once(request={"key": key, "body": hashlib.sha256(body).hexdigest()})
        except IdempotencyValidationError:
            raise UnprocessableEntity(
                "This Idempotency-Key was used with another request body; use a new key for a new request."
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict(
                "A request with this Idempotency-Key is still running; retry once it has finished.",
                code="IdempotencyKeyInProgress",
            ) from None
        except IdempotencyPersistenceLayerError:
            raise ServiceUnavailable(
                "The idempotency records could not be read or written; retry later.", code="IdempotencyUnavailable"
            ) from None
        return Response(int(stored["status"]), str(stored["body"]), dict(stored["headers"]))

    def _persistence_layer(self) -> Any:
        """Powertools' DynamoDB persistence layer over a botocore client (the function's own if it uses botocore)."""
        if self._persistence is None:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            client = self._botocore_client()
            self._persistence = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=client)
        return self._persistence
