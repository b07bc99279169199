"""The DynamoDB client: created once per container, with explicit timeouts and bounded retries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynamodbmanager.config import Settings


def make_client(settings: Settings) -> Any:
    """A low-level botocore DynamoDB client: cheaper to build and to call than boto3's resource layer."""
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        tcp_keepalive=True,
    )
    session = botocore.session.get_session()
    return session.create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint_url,
        config=config,
    )
