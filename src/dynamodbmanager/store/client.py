"""The DynamoDB client: created once per container, with explicit timeouts and bounded retries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dynamodbmanager import __version__

if TYPE_CHECKING:
    from dynamodbmanager.config import Settings


def user_agent() -> str:
    """The User-Agent of every DynamoDB call, fixed for the life of the container."""
    import platform

    import botocore

    return f"dynamodbmanager/{__version__} Botocore/{botocore.__version__} Python/{platform.python_version()}"


def make_client(settings: Settings) -> Any:
    """A low-level botocore DynamoDB client: cheaper to build and to call than boto3's resource layer."""
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        tcp_keepalive=True,
        # botocore otherwise rebuilds and sanitises its User-Agent character by character twice per call.
        user_agent=user_agent(),
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
