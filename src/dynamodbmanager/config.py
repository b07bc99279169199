"""The function's settings, read once from environment variables with defaults that work locally."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from dynamodbmanager.schema import DEFAULT_SHAPE, TableShape

DEFAULT_TABLE_NAME = "anything"
DEFAULT_IDEMPOTENCY_TABLE_NAME = "dynamodbmanager_idempotency"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Settings:
    """What the function needs to know about its environment; separate from behaviour so tests can build one."""

    table_name: str = DEFAULT_TABLE_NAME
    #: The table's key schema and indexes, from its definition file (``TABLE_SHAPE``, set at deploy time).
    shape: TableShape = DEFAULT_SHAPE
    #: Where Idempotency-Key outcomes are kept (AWS Lambda Powertools' DynamoDB persistence layer).
    idempotency_table_name: str = DEFAULT_IDEMPOTENCY_TABLE_NAME
    region: str = DEFAULT_REGION
    #: ``lean`` speaks DynamoDB's protocol itself (the fast cold start); ``botocore`` uses botocore's client.
    dynamodb_client: str = "lean"
    #: ``lean`` writes Powertools' log lines and EMF documents itself; ``powertools`` uses Powertools' own.
    telemetry: str = "lean"
    #: Set to the emulator's URL locally; ``None`` means the AWS endpoint of ``region``.
    dynamodb_endpoint_url: str | None = None
    log_level: str = "INFO"
    #: Origins allowed by CORS; ``("*",)`` allows any origin, ``()`` sends no CORS headers.
    cors_allowed_origins: tuple[str, ...] = ("*",)
    #: Seconds to wait for a connection to DynamoDB and for its answer; well under the Lambda timeout.
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    #: Total attempts per DynamoDB call, the first one included (botocore's standard retry mode).
    max_attempts: int = 3
    #: Requests whose body is larger than this are refused with 413 before any parsing.
    max_body_bytes: int = 1024 * 1024
    #: Name of the metrics namespace in CloudWatch.
    metrics_namespace: str = "dynamodbmanager"
    #: The secret that signs list cursors, so a forged, garbled or tampered one is refused. The Terraform gives
    #: every instance of a deployment the same one; unset, each process makes its own (valid only there).
    cursor_signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        origins = tuple(o.strip() for o in env.get("CORS_ALLOWED_ORIGINS", "*").split(",") if o.strip())
        table_name = env.get("TABLE_NAME", DEFAULT_TABLE_NAME)
        shape_text = env.get("TABLE_SHAPE")
        shape = TableShape.from_env(shape_text, table_name) if shape_text else DEFAULT_SHAPE
        return cls(
            table_name=table_name,
            shape=shape,
            idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME", DEFAULT_IDEMPOTENCY_TABLE_NAME),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            dynamodb_client=_choice(env, "DYNAMODB_CLIENT", ("lean", "botocore")),
            telemetry=_choice(env, "TELEMETRY", ("lean", "powertools")),
            dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            cors_allowed_origins=origins,
            connect_timeout=float(env.get("DYNAMODB_CONNECT_TIMEOUT", "1.0")),
            read_timeout=float(env.get("DYNAMODB_READ_TIMEOUT", "2.0")),
            max_attempts=int(env.get("DYNAMODB_MAX_ATTEMPTS", "3")),
            metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE", "dynamodbmanager"),
            cursor_signing_key=(env.get("CURSOR_SIGNING_KEY") or secrets.token_urlsafe(32)).encode(),
        )


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """The setting ``name``, one of ``choices`` (the first by default); any other value stops the function's init."""
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value
