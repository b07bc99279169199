"""CloudWatch embedded metric format (EMF) documents, byte for byte those of AWS Lambda Powertools' ``Metrics``.

Powertools' ``Metrics`` pulls in its provider framework, enums, ``datetime`` and ``numbers`` at cold start;
:class:`Metrics` keeps the metrics and dimensions the same way and prints the same document with the standard
library alone. As in Powertools:

* metrics and dimensions are shared by every instance in the process, and a flush clears both;
* the ``service`` dimension is added last, when the document is built, unless one is already there;
* each metric is a list of float values and the unit of its latest value, in the order metrics were first added;
* ``Timestamp`` is the epoch milliseconds of ``datetime.now().timestamp()``, computed the same way;
* the 100th metric or 100th value of one metric prints the document at once (with ``json.dumps``' default spacing),
  at most 29 dimensions are taken, and flushing with no metric warns and prints nothing;
* ``POWERTOOLS_METRICS_DISABLED`` (or ``POWERTOOLS_DEV`` without it) keeps :meth:`Metrics.flush_metrics` from
  printing or clearing anything.

Invalid input raises exceptions named as Powertools' and derived from ValueError.
"""

from __future__ import annotations

import json
import os
import sys
import time
from enum import Enum
from json.encoder import encode_basestring_ascii
from typing import IO, Any, ClassVar

from dynamodbmanager.telemetry.logger import strtobool

MAX_DIMENSIONS = 29
MAX_METRICS = 100
MIN_METRIC_NAME_LENGTH = 1
MAX_METRIC_NAME_LENGTH = 255

#: CloudWatch's units by their Powertools ``MetricUnit`` member names, in that enum's order.
METRIC_UNITS: dict[str, str] = {
    "Seconds": "Seconds",
    "Microseconds": "Microseconds",
    "Milliseconds": "Milliseconds",
    "Bytes": "Bytes",
    "Kilobytes": "Kilobytes",
    "Megabytes": "Megabytes",
    "Gigabytes": "Gigabytes",
    "Terabytes": "Terabytes",
    "Bits": "Bits",
    "Kilobits": "Kilobits",
    "Megabits": "Megabits",
    "Gigabits": "Gigabits",
    "Terabits": "Terabits",
    "Percent": "Percent",
    "Count": "Count",
    "BytesPerSecond": "Bytes/Second",
    "KilobytesPerSecond": "Kilobytes/Second",
    "MegabytesPerSecond": "Megabytes/Second",
    "GigabytesPerSecond": "Gigabytes/Second",
    "TerabytesPerSecond": "Terabytes/Second",
    "BitsPerSecond": "Bits/Second",
    "KilobitsPerSecond": "Kilobits/Second",
    "MegabitsPerSecond": "Megabits/Second",
    "GigabitsPerSecond": "Gigabits/Second",
    "TerabitsPerSecond": "Terabits/Second",
    "CountPerSecond": "Count/Second",
    "NoUnit": "None",
}
#: A unit as a member name or as CloudWatch spells it, to CloudWatch's spelling.
_UNIT_OF: dict[str, str] = {**{unit: unit for unit in METRIC_UNITS.values()}, **METRIC_UNITS}
#: Standard (60 s) and high (1 s) storage resolution, in Powertools' ``MetricResolution`` order.
METRIC_RESOLUTIONS = (60, 1)

_INFINITY = float("inf")
#: The flushed document's encoder: compact, ASCII only, as ``json.dumps(..., separators=(",", ":"))``.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


class MetricUnitError(ValueError):
    """The unit is not one CloudWatch knows."""


class MetricResolutionError(ValueError):
    """The storage resolution is neither 60 nor 1."""


class MetricValueError(ValueError):
    """The value is not a number."""


class MetricNameError(ValueError):
    """The metric name is empty or longer than 255 characters."""


class SchemaValidationError(ValueError):
    """The document would not be valid EMF: no metric, no namespace, or too many dimensions."""


class MetricsWarning(UserWarning):
    """A dimension was skipped or overwritten (Powertools warns with its ``PowertoolsUserWarning``)."""


def _warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the caller of the public method, importing :mod:`warnings` only when there is something to say."""
    import warnings

    warnings.warn(message, category, stacklevel=3)


def metrics_disabled() -> bool:
    """Powertools' switch, read at each flush: ``POWERTOOLS_METRICS_DISABLED``, or ``POWERTOOLS_DEV`` without it."""
    development = os.environ.get("POWERTOOLS_DEV")
    disabled = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    if development is None and disabled is None:
        return False
    if strtobool("false" if development is None else development):
        return disabled is None or strtobool(disabled)
    return strtobool("false" if disabled is None else disabled)


def timestamp_ms() -> int:
    """Epoch milliseconds as ``int(datetime.now().timestamp() * 1000)`` computes them, without importing datetime.

    ``datetime.now()`` keeps whole microseconds (rounded down) and ``timestamp()`` adds them to the seconds as
    ``seconds + microseconds / 1e6`` in floating point, whose rounding this repeats.
    """
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    return int((seconds + (nanoseconds // 1000) / 1e6) * 1000)


def unit_value(unit: object) -> str:
    """CloudWatch's spelling of ``unit``: a ``MetricUnit`` member name or value, or a ``MetricUnit`` itself."""
    if isinstance(unit, str):
        value = _UNIT_OF.get(unit)
        if value is None:
            raise MetricUnitError(f"Invalid metric unit '{unit}', expected either option: {list(METRIC_UNITS)}")
        return value
    if isinstance(unit, Enum) and unit.value in METRIC_UNITS.values():
        return str(unit.value)
    raise MetricUnitError(f"Invalid metric unit '{unit}', expected either option: {list(METRIC_UNITS)}")


def resolution_value(resolution: object) -> int:
    """The storage resolution in seconds: 60 or 1, or a ``MetricResolution`` member."""
    value = resolution.value if isinstance(resolution, Enum) else resolution
    if isinstance(value, int) and value in METRIC_RESOLUTIONS:
        return value
    raise MetricResolutionError(
        f"Invalid metric resolution '{resolution}', expected either option: {list(METRIC_RESOLUTIONS)}"
    )


def _float_text(value: float) -> str:
    """A float as the JSON encoder writes it: its repr, or ``NaN``, ``Infinity``, ``-Infinity``."""
    if value in (_INFINITY, -_INFINITY):
        return "Infinity" if value > 0 else "-Infinity"
    text = float.__repr__(value)
    return "NaN" if text == "nan" else text


def _is_number(value: object) -> bool:
    """Whether ``value`` is a ``numbers.Number`` (int and float are decided without importing :mod:`numbers`)."""
    if value.__class__ is float or value.__class__ is int:
        return True
    import numbers

    return isinstance(value, numbers.Number)


class _Metric:
    """One metric of the set: its latest unit and resolution, and every value since the last flush."""

    __slots__ = ("resolution", "unit", "values")

    def __init__(self) -> None:
        self.unit = ""
        self.resolution = 60
        self.values: list[float] = []


class Metrics:
    """EMF metrics printed to ``stream`` (stdout at each flush), as Powertools' ``Metrics(namespace=..., service=...)``.

    Reads ``POWERTOOLS_METRICS_NAMESPACE`` and ``POWERTOOLS_SERVICE_NAME`` when ``namespace`` or ``service`` is not
    given; without a service there is no ``service`` dimension, without a namespace a flush raises.
    """

    #: Shared by every instance, as Powertools' are: a metric added anywhere is flushed by any instance.
    _metrics: ClassVar[dict[str, _Metric]] = {}
    _dimensions: ClassVar[dict[str, str]] = {}

    def __init__(self, service: str | None = None, namespace: str | None = None, stream: IO[str] | None = None) -> None:
        self.service = service if service is not None else os.environ.get("POWERTOOLS_SERVICE_NAME")
        self.namespace = namespace if namespace is not None else os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        self.metric_set = Metrics._metrics
        self.dimension_set = Metrics._dimensions
        self._stream = stream

    def add_metric(self, name: str, unit: str, value: float, resolution: int = 60) -> None:
        """Add a value to metric ``name`` (a unit name such as ``Count`` or ``Milliseconds``); the 100th prints."""
        name = name.strip()
        if not MIN_METRIC_NAME_LENGTH <= len(name) <= MAX_METRIC_NAME_LENGTH:
            raise MetricNameError(
                f"The metric name should be between {MIN_METRIC_NAME_LENGTH} and {MAX_METRIC_NAME_LENGTH} characters"
            )
        if not _is_number(value):
            raise MetricValueError(f"{value} is not a valid number")
        unit = (_UNIT_OF.get(unit) if unit.__class__ is str else None) or unit_value(unit)
        if resolution.__class__ is not int or resolution not in METRIC_RESOLUTIONS:
            resolution = resolution_value(resolution)
        metric = self.metric_set.get(name)
        if metric is None:
            metric = _Metric()
        metric.unit = unit
        metric.resolution = resolution
        metric.values.append(float(value))
        self.metric_set[name] = metric
        if len(self.metric_set) == MAX_METRICS or len(metric.values) == MAX_METRICS:
            self._write(json.dumps(self.serialize_metric_set()))
            self.metric_set.clear()

    def add_dimension(self, name: str, value: str) -> None:
        """Add a dimension to every metric until the next flush; a blank name or value is skipped with a warning."""
        if len(self.dimension_set) == MAX_DIMENSIONS:
            raise SchemaValidationError(
                f"Maximum number of dimensions exceeded ({MAX_DIMENSIONS}): Unable to add dimension {name}."
            )
        value = value if isinstance(value, str) else str(value)
        if not name.strip() or not value.strip():
            _warn(
                f"The dimension {name} doesn't meet the requirements and won't be added. "
                "Ensure the dimension name and value are non-empty strings",
                MetricsWarning,
            )
            return
        if name in self.dimension_set and self.dimension_set[name] != value:
            _warn(f"Dimension '{name}' has already been added. The previous value will be overwritten.", MetricsWarning)
        self.dimension_set[name] = value

    def serialize_metric_set(self) -> dict[str, Any]:
        """The EMF document of the metrics and dimensions so far (adding the ``service`` dimension if missing)."""
        self._complete()
        return self._document()

    def _document(self) -> dict[str, Any]:
        """The EMF document as Powertools builds it, the keys of dimensions and metrics in one object."""
        definitions: list[dict[str, object]] = []
        values: dict[str, list[float]] = {}
        for name, metric in self.metric_set.items():
            definition: dict[str, object] = {"Name": name, "Unit": metric.unit}
            if metric.resolution == 1:
                definition["StorageResolution"] = metric.resolution
            definitions.append(definition)
            values[name] = metric.values
        dimensions = self.dimension_set
        return {
            "_aws": {
                "Timestamp": timestamp_ms(),
                "CloudWatchMetrics": [
                    {"Namespace": self.namespace, "Dimensions": [list(dimensions)], "Metrics": definitions}
                ],
            },
            **dimensions,
            **values,
        }

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        """Print the document and clear metrics and dimensions; with no metric, warn (or raise) and print nothing."""
        if not raise_on_empty_metrics and not self.metric_set:
            _warn(
                "No application metrics to publish. The cold-start metric may be published if enabled. "
                "If application metrics should never be empty, consider using 'raise_on_empty_metrics'"
            )
        elif not metrics_disabled():
            self._write(self._compact_document())
            self.clear_metrics()

    def _complete(self) -> None:
        """Add the ``service`` dimension if missing, and refuse a document without metrics or namespace."""
        if self.service and not self.dimension_set.get("service"):
            self.add_dimension(name="service", value=self.service)
        if len(self.metric_set) == 0:
            raise SchemaValidationError("Must contain at least one metric.")
        if self.namespace is None:
            raise SchemaValidationError("Must contain a metric namespace.")

    def _compact_document(self) -> str:
        """The flushed document's text, written out directly (a third of the encoder's time) when it can be.

        It can when the namespace is a string and no dimension shares its name with a metric or with ``_aws``,
        whose values would otherwise replace one another as the keys of one object; else the encoder writes it.
        """
        self._complete()
        namespace = self.namespace
        dimensions = self.dimension_set
        metrics = self.metric_set
        if (
            namespace.__class__ is not str
            or "_aws" in dimensions
            or "_aws" in metrics
            or not metrics.keys().isdisjoint(dimensions)
        ):
            return _COMPACT.encode(self._document())
        quote = encode_basestring_ascii
        definitions = []
        values = []
        for name, metric in metrics.items():
            quoted = quote(name)
            resolution = metric.resolution
            if resolution == 1:
                storage = "true" if resolution is True else "1"
                definitions.append(f'{{"Name":{quoted},"Unit":{quote(metric.unit)},"StorageResolution":{storage}}}')
            else:
                definitions.append(f'{{"Name":{quoted},"Unit":{quote(metric.unit)}}}')
            numbers = ",".join(map(float.__repr__, metric.values))
            if "n" in numbers:
                numbers = ",".join(map(_float_text, metric.values))
            values.append(f",{quoted}:[{numbers}]")
        names = ",".join(map(quote, dimensions))
        pairs = "".join([f",{quote(name)}:{quote(value)}" for name, value in dimensions.items()])
        return (
            f'{{"_aws":{{"Timestamp":{timestamp_ms()},"CloudWatchMetrics":[{{"Namespace":{quote(namespace)},'
            f'"Dimensions":[[{names}]],"Metrics":[{",".join(definitions)}]}}]}}{pairs}{"".join(values)}}}'
        )

    def clear_metrics(self) -> None:
        """Forget every metric and dimension added since the last flush."""
        self.metric_set.clear()
        self.dimension_set.clear()

    def _write(self, document: str) -> None:
        """One line on the stream, or on ``sys.stdout`` as it is now (where ``print`` would write)."""
        (self._stream or sys.stdout).write(document + "\n")
