"""The function's log lines and metrics: lean by default, AWS Lambda Powertools' own one setting away.

``TELEMETRY=lean`` (the default) writes the JSON log lines of Powertools' ``Logger`` and the EMF documents of its
``Metrics`` with the standard library alone (:mod:`.logger`, :mod:`.metrics`), sparing the cold start the import of
Powertools; ``TELEMETRY=powertools`` uses Powertools itself. The app is typed against :class:`LoggerLike` and
:class:`MetricsLike`, which both pairs satisfy. Importing this package imports neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The kinds :func:`make_telemetry` makes.
KINDS = ("lean", "powertools")


class LoggerLike(Protocol):
    """What the app asks of a logger: keys on every line, and a line per call at a level."""

    def append_keys(self, **additional_keys: object) -> None:
        """Add keys to every following line."""

    def remove_keys(self, keys: Iterable[str]) -> None:
        """Remove keys from every following line."""

    def debug(self, msg: object, *, extra: Mapping[str, object] | None = None) -> None:
        """Log at DEBUG."""

    def info(self, msg: object, *, extra: Mapping[str, object] | None = None) -> None:
        """Log at INFO."""

    def warning(self, msg: object, *, extra: Mapping[str, object] | None = None) -> None:
        """Log at WARNING."""

    def error(self, msg: object, *, extra: Mapping[str, object] | None = None) -> None:
        """Log at ERROR."""

    def exception(self, msg: object, *, extra: Mapping[str, object] | None = None) -> None:
        """Log at ERROR with the exception being handled."""


class MetricsLike(Protocol):
    """What the app asks of metrics: dimensions and values, then one EMF document per request."""

    def add_dimension(self, name: str, value: str) -> None:
        """Add a dimension to every metric until the next flush."""

    def add_metric(self, name: str, unit: str, value: float) -> None:
        """Add a value to a metric."""

    def flush_metrics(self) -> None:
        """Print the metrics so far and clear them."""


def make_telemetry(kind: str, *, service: str, level: str, namespace: str) -> tuple[LoggerLike, MetricsLike]:
    """The logger and metrics ``kind`` names: ``lean`` (ours) or ``powertools`` (imported only here)."""
    if kind == "lean":
        from dynamodbmanager.telemetry.logger import Logger
        from dynamodbmanager.telemetry.metrics import Metrics

        return Logger(service=service, level=level), Metrics(namespace=namespace, service=service)
    if kind == "powertools":
        from aws_lambda_powertools import Logger as PowertoolsLogger
        from aws_lambda_powertools import Metrics as PowertoolsMetrics

        return PowertoolsLogger(service=service, level=level), PowertoolsMetrics(namespace=namespace, service=service)
    raise ValueError(f"Unknown telemetry {kind!r}: expected one of {', '.join(KINDS)}")
