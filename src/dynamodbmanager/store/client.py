"""The DynamoDB client of the function: made once per container, lean by default, botocore one setting away.

``DYNAMODB_CLIENT=lean`` (the default) speaks DynamoDB's JSON 1.0 protocol itself (``store.lean``): no botocore
import, no service model to load, which is most of a cold start. ``DYNAMODB_CLIENT=botocore`` uses botocore's
low-level client behind :class:`BotocoreDynamoDB`, so the store sees the same calls and the same failures.
The lean client signs with the credentials Lambda puts in the environment; without them (a laptop's profile,
SSO) the function uses botocore and its credential chain.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamodbmanager import __version__
from dynamodbmanager.store.failures import DynamoDBError, DynamoDBUnreachable

if TYPE_CHECKING:
    from dynamodbmanager.config import Settings
    from dynamodbmanager.store.lean import LeanDynamoDB

#: The clients ``DYNAMODB_CLIENT`` may name.
CLIENTS = ("lean", "botocore")


def user_agent(library: str = "") -> str:
    """The User-Agent of every DynamoDB call, fixed for the life of the container."""
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"dynamodbmanager/{__version__} {library + ' ' if library else ''}Python/{python}"


def make_client(settings: Settings) -> Any:
    """The client ``settings.dynamodb_client`` names: the lean one when the environment has credentials."""
    if settings.dynamodb_client == "lean":
        from dynamodbmanager.store.sigv4 import Credentials

        credentials = Credentials.from_env()
        if credentials is not None:
            from dynamodbmanager.store.lean import LeanDynamoDB

            lean = LeanDynamoDB(
                region=settings.region,
                endpoint_url=settings.dynamodb_endpoint_url,
                credentials=credentials,
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                max_attempts=settings.max_attempts,
                user_agent=user_agent(),
            )
            _after_snapstart_restore(lean)
            return lean
    return BotocoreDynamoDB(make_botocore_client(settings))


def _after_snapstart_restore(client: LeanDynamoDB) -> None:
    """Under Lambda SnapStart, make each restored instance draw its own jitter, sign with the credentials the
    environment holds after the restore and connect afresh; elsewhere (no ``snapshot_restore_py``) nothing."""
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return

    def restored() -> None:
        import random

        from dynamodbmanager.store.sigv4 import Credentials

        random.seed()
        credentials = Credentials.from_env()
        if credentials is not None:
            client.use_credentials(credentials)
        client.close()

    register_after_restore(restored)


def make_botocore_client(settings: Settings) -> Any:
    """A low-level botocore DynamoDB client: cheaper to build and to call than boto3's resource layer."""
    import botocore
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        tcp_keepalive=True,
        # botocore otherwise rebuilds and sanitises its User-Agent character by character twice per call.
        user_agent=user_agent(f"Botocore/{botocore.__version__}"),
        # Every parameter is built or checked by the service before the call (store.attributes, api.rpc).
        parameter_validation=False,
    )
    session = botocore.session.get_session()
    return session.create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint_url,
        config=config,
    )


def botocore_client_of(client: Any, settings: Settings) -> Any:
    """A botocore client for what needs one (Powertools' idempotency records): ``client``'s own if it has one."""
    if isinstance(client, BotocoreDynamoDB):
        return client.botocore
    return make_botocore_client(settings)


class BotocoreDynamoDB:
    """botocore's client with its failures turned into the store's: ``DynamoDBError`` and ``DynamoDBUnreachable``."""

    def __init__(self, client: Any) -> None:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        self.botocore = client
        self._client_error = ClientError
        self._network_errors = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)

    def __getattr__(self, operation: str) -> Callable[..., dict[str, Any]]:
        """``operation`` (``get_item``, ``query``, ...) of the botocore client, with its failures translated."""
        if operation.startswith("_"):
            raise AttributeError(operation)
        method = getattr(self.botocore, operation)
        client_error, network_errors = self._client_error, self._network_errors

        def call(**params: Any) -> dict[str, Any]:
            try:
                response: dict[str, Any] = method(**params)
            except client_error as exc:
                error = exc.response.get("Error", {})
                raise DynamoDBError(str(error.get("Code", "")), str(error.get("Message", "")), exc.response) from exc
            except network_errors as exc:
                raise DynamoDBUnreachable(str(exc)) from exc
            return response

        # Found once: later calls read the instance attribute and never come back here.
        self.__dict__[operation] = call
        return call
