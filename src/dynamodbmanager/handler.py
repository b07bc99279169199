"""The Lambda entry point: wires settings, the DynamoDB client, logging and metrics to the app, once per container."""

from __future__ import annotations

from typing import Any

from dynamodbmanager.api.app import App
from dynamodbmanager.config import Settings
from dynamodbmanager.store.client import make_client
from dynamodbmanager.store.table import ItemTable
from dynamodbmanager.telemetry import make_telemetry

SERVICE = "dynamodbmanager"

settings = Settings.from_env()
logger, metrics = make_telemetry(
    settings.telemetry, service=SERVICE, level=settings.log_level, namespace=settings.metrics_namespace
)
app = App(settings, ItemTable(make_client(settings), settings.table_name, settings.shape), logger, metrics)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway proxy event (payload format 1.0 or 2.0)."""
    return app.handle(event, context)
