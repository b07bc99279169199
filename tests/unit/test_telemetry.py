"""The lean logger and metrics against AWS Lambda Powertools': the same inputs give the same bytes.

Both write to captured streams with the clock frozen for both (``time.time``/``time.time_ns`` for the loggers and the
lean metrics, the ``datetime`` Powertools' metrics read), and both are called from one line so ``location`` matches.
Powertools names its ``logging`` logger after the service, so each Powertools logger here gets a service of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools import Logger as PowertoolsLogger
from aws_lambda_powertools import Metrics as PowertoolsMetrics
from aws_lambda_powertools.logging.formatter import RESERVED_LOG_ATTRS
from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamodbmanager.telemetry import KINDS, LoggerLike, MetricsLike, make_telemetry
from dynamodbmanager.telemetry.logger import RECORD_KEYS, RESERVED_KEYS
from dynamodbmanager.telemetry.logger import Logger as LeanLogger
from dynamodbmanager.telemetry.metrics import METRIC_UNITS, MetricUnitError, timestamp_ms
from dynamodbmanager.telemetry.metrics import Metrics as LeanMetrics

#: 2026-12-01 09:16:49.716500 UTC, the instant of the sample line below (its EMF document came a millisecond later).
INSTANT_NS = 1_796_116_609_716_500_000
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
#: Powertools' output for one request, as the function wrote it (its ``location`` is the app's).
SAMPLE_LINE = (
    '{"level":"INFO","location":"_observe:143","message":"request","timestamp":"2026-12-01 09:16:49,716+0000",'
    '"service":"dynamodbmanager","request_id":"abc","correlation_id":"abc","operation":"health","method":"GET",'
    '"path":"/health","status":200,"latency_ms":0.187,"xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793"}'
)
SAMPLE_DOCUMENT = (
    '{"_aws":{"Timestamp":1796116609717,"CloudWatchMetrics":[{"Namespace":"dynamodbmanager","Dimensions":'
    '[["operation","service"]],"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"Latency","Unit":'
    '"Milliseconds"}]}]},"operation":"health","service":"dynamodbmanager","Requests":[1.0],"Latency":[0.187]}'
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}[+-]\d{4}$")
#: Settings either library reads; each test starts without them.
SETTINGS = (
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_LOG_LEVEL",
    "LOG_LEVEL",
    "AWS_LAMBDA_LOG_LEVEL",
    "POWERTOOLS_LOGGER_SAMPLE_RATE",
    "POWERTOOLS_DEV",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_METRICS_NAMESPACE",
    "_X_AMZN_TRACE_ID",
)

Outcome = tuple[str, str] | None


def _reset_metrics() -> None:
    """Empty the metrics and dimensions both libraries share between their instances."""
    PowertoolsMetrics(namespace="reset").clear_metrics()
    LeanMetrics(namespace="reset").clear_metrics()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting of the developer's environment leaks in, and Powertools leaves the root logger's handlers alone."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POWERTOOLS_LOG_DEDUPLICATION_DISABLED", "true")
    _reset_metrics()
    yield
    _reset_metrics()


@contextlib.contextmanager
def frozen(ns: int) -> Iterator[None]:
    """Stop both libraries' clocks at ``ns`` nanoseconds after the epoch."""
    moment = datetime.datetime.fromtimestamp(ns // 1_000_000_000).replace(microsecond=ns % 1_000_000_000 // 1000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: ns / 1e9)
        patch.setattr(time, "time_ns", lambda: ns)
        patch.setattr(cloudwatch, "dt", SimpleNamespace(datetime=SimpleNamespace(now=lambda: moment)))
        yield


@contextlib.contextmanager
def timezone(name: str | None) -> Iterator[None]:
    """Local time in ``name`` (``TZ``), restored afterwards."""
    before = os.environ.get("TZ")
    try:
        if name is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = name
        time.tzset()
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@dataclass
class Loggers:
    """A Powertools logger and a lean one, alike, each writing to its own buffer."""

    powertools: PowertoolsLogger
    lean: LeanLogger
    powertools_out: io.StringIO
    lean_out: io.StringIO

    @property
    def both(self) -> tuple[Any, ...]:
        """Powertools' first, then ours."""
        return (self.powertools, self.lean)

    def outputs(self) -> tuple[str, str]:
        """What each wrote."""
        return self.powertools_out.getvalue(), self.lean_out.getvalue()


def make_loggers(level: str | int | None = "INFO", service: str | None = None) -> Loggers:
    """A pair of loggers with a service no other Powertools logger of the process has."""
    service = service or f"svc-{uuid.uuid4().hex[:12]}"
    powertools_out, lean_out = io.StringIO(), io.StringIO()
    return Loggers(
        PowertoolsLogger(service=service, level=level, stream=powertools_out),
        LeanLogger(service=service, level=level, stream=lean_out),
        powertools_out,
        lean_out,
    )


def outcome(call: Callable[[], object]) -> Outcome:
    """What ``call`` raised, by exception name and message, or None."""
    try:
        call()
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return None


def emit(
    targets: tuple[Any, ...], method: str, msg: object, extra: Mapping[str, object] | None = None
) -> list[Outcome]:
    """Call ``method`` of each logger from this one line, so that both see the same caller (``location``)."""
    outcomes: list[Outcome] = []
    for target in targets:
        try:
            getattr(target, method)(msg, extra=extra)
        except Exception as exc:
            outcomes.append((type(exc).__name__, str(exc)))
        else:
            outcomes.append(None)
    return outcomes


def emit_handling(error: BaseException, targets: tuple[Any, ...], method: str, msg: object) -> list[Outcome]:
    """:func:`emit` while ``error`` is being handled."""
    try:
        raise error
    except BaseException:
        return emit(targets, method, msg)


def assert_same(loggers: Loggers) -> list[str]:
    """Both wrote the same bytes; returns the lines."""
    powertools, lean = loggers.outputs()
    assert lean == powertools
    return lean.splitlines()


# The log line of a request


def _observe(logger: LoggerLike, latency_ms: float) -> None:
    """Log a request as the app does."""
    logger.append_keys(request_id="abc", correlation_id="abc")
    logger.info(
        "request",
        extra={"operation": "health", "method": "GET", "path": "/health", "status": 200, "latency_ms": latency_ms},
    )


def test_the_request_line_is_the_sample_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    out = io.StringIO()
    with timezone(":UTC"), frozen(INSTANT_NS):
        _observe(LeanLogger(service="dynamodbmanager", level="INFO", stream=out), 0.187)
    line = out.getvalue()
    assert line.endswith("\n")
    assert re.sub(r'"location":"[^"]*"', '"location":"_observe:143"', line[:-1]) == SAMPLE_LINE


@pytest.mark.parametrize("trace_header", [TRACE_HEADER, "Root=1-abc", "Self=1-x;Root=1-y", "", None])
def test_the_request_line_matches_powertools(monkeypatch: pytest.MonkeyPatch, trace_header: str | None) -> None:
    if trace_header is not None:
        monkeypatch.setenv("_X_AMZN_TRACE_ID", trace_header)
    loggers = make_loggers()
    with frozen(INSTANT_NS):
        for logger in loggers.both:
            _observe(logger, 0.187)
    (line,) = assert_same(loggers)
    document = json.loads(line)
    assert ("xray_trace_id" in document) == bool(trace_header)
    assert TIMESTAMP.match(document["timestamp"])


def test_the_trace_id_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    loggers = make_loggers()
    for header in [TRACE_HEADER, None, "Root=1-second", "Root=1-second", TRACE_HEADER]:
        if header is None:
            monkeypatch.delenv("_X_AMZN_TRACE_ID")
        else:
            monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
        with frozen(INSTANT_NS):
            emit(loggers.both, "info", "call")
    assert len(assert_same(loggers)) == 5


def test_an_unfrozen_clock_gives_the_same_format_within_a_second() -> None:
    loggers = make_loggers()
    emit(loggers.both, "info", "now")
    powertools, lean = (json.loads(out)["timestamp"] for out in loggers.outputs())
    assert TIMESTAMP.match(lean)
    assert TIMESTAMP.match(powertools)
    parse = "%Y-%m-%d %H:%M:%S,%f%z"
    gap = datetime.datetime.strptime(lean, parse) - datetime.datetime.strptime(powertools, parse)
    assert abs(gap.total_seconds()) < 1


@pytest.mark.parametrize("zone", [None, ":UTC", "UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Berlin"])
@pytest.mark.parametrize(
    "ns",
    [
        INSTANT_NS,
        1_796_116_609_000_000_000,
        1_796_116_609_999_999_999,
        1_796_116_609_999_499_999,
        1_782_000_000_123_456_789,
        1_000_000_000_000_000_001,
    ],
)
def test_timestamps_match_in_every_zone(zone: str | None, ns: int) -> None:
    with timezone(zone), frozen(ns):
        loggers = make_loggers()
        for offset in (0, 1_000_000, 3_600_000_000_000):
            with frozen(ns + offset):
                emit(loggers.both, "info", "tick")
    for line in assert_same(loggers):
        assert TIMESTAMP.match(json.loads(line)["timestamp"])


# Levels


@pytest.mark.parametrize(
    ("level", "powertools_level", "log_level", "lambda_level"),
    [
        ("INFO", None, None, None),
        ("DEBUG", None, None, None),
        ("warning", None, None, None),
        ("WARN", None, None, None),
        ("FATAL", None, None, None),
        (None, "DEBUG", "ERROR", None),
        (None, None, "ERROR", None),
        (None, "", "WARNING", None),
        (None, None, "", None),
        (None, None, None, None),
        ("INFO", None, None, "ERROR"),
        ("ERROR", None, None, "DEBUG"),
        (None, None, None, "WARN"),
        ("INFO", None, None, "BOGUS"),
        ("BOGUS", None, None, None),
        (20, None, None, None),
        (40, "DEBUG", None, None),
        (15, None, None, None),
    ],
)
def test_levels_are_chosen_and_filtered_as_powertools_does(
    monkeypatch: pytest.MonkeyPatch,
    level: str | int | None,
    powertools_level: str | None,
    log_level: str | None,
    lambda_level: str | None,
) -> None:
    for name, value in [
        ("POWERTOOLS_LOG_LEVEL", powertools_level),
        ("LOG_LEVEL", log_level),
        ("AWS_LAMBDA_LOG_LEVEL", lambda_level),
    ]:
        if value is not None:
            monkeypatch.setenv(name, value)
    service = f"svc-{uuid.uuid4().hex[:12]}"
    powertools_out, lean_out = io.StringIO(), io.StringIO()
    made: list[Any] = []
    failures: list[Outcome] = []
    warned: list[set[str]] = []
    for kind, out in [(PowertoolsLogger, powertools_out), (LeanLogger, lean_out)]:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                made.append(kind(service=service, level=level, stream=out))
            except Exception as exc:
                failures.append((type(exc).__name__, str(exc)))
            else:
                failures.append(None)
        warned.append({str(warning.message) for warning in seen})
    assert failures[1] == failures[0]
    assert warned[1] == warned[0]
    if failures[1] is not None:
        return
    loggers = Loggers(made[0], made[1], powertools_out, lean_out)
    assert loggers.lean.log_level == loggers.powertools.log_level
    with frozen(INSTANT_NS):
        for method in ("debug", "info", "warning", "error", "critical", "exception"):
            emit(loggers.both, method, method)
    assert_same(loggers)


def test_debug_is_dropped_at_info() -> None:
    loggers = make_loggers("INFO")
    with frozen(INSTANT_NS):
        emit(loggers.both, "debug", "hidden")
        emit(loggers.both, "info", "shown")
    assert [json.loads(line)["message"] for line in assert_same(loggers)] == ["shown"]


@pytest.mark.parametrize("rate", ["1", "1.0", "0"])
def test_sampling_logs_debug_and_the_rate(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", rate)
    loggers = make_loggers("ERROR")
    with frozen(INSTANT_NS):
        emit(loggers.both, "debug", "sampled")
        emit(loggers.both, "error", "always")
    lines = assert_same(loggers)
    assert json.loads(lines[-1])["sampling_rate"] == rate
    assert len(lines) == (2 if rate != "0" else 1)


def test_a_sampling_rate_that_is_no_number_fails_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", "often")
    service = f"svc-{uuid.uuid4().hex[:12]}"
    powertools = outcome(lambda: PowertoolsLogger(service=service, stream=io.StringIO()))
    lean = outcome(lambda: LeanLogger(service=service, stream=io.StringIO()))
    assert lean == powertools
    assert lean is not None
    assert lean[0] == "InvalidLoggerSamplingRateError"


def test_the_service_comes_from_the_environment_without_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"env-{uuid.uuid4().hex[:12]}")
    powertools_out, lean_out = io.StringIO(), io.StringIO()
    pair = Loggers(PowertoolsLogger(stream=powertools_out), LeanLogger(stream=lean_out), powertools_out, lean_out)
    with frozen(INSTANT_NS):
        emit(pair.both, "info", "from the environment")
    (line,) = assert_same(pair)
    assert json.loads(line)["service"] == os.environ["POWERTOOLS_SERVICE_NAME"]


def test_powertools_dev_indents_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        loggers = make_loggers()
    with frozen(INSTANT_NS):
        emit(loggers.both, "info", "pretty", {"nested": {"a": [1, 2]}})
    powertools, lean = loggers.outputs()
    assert lean == powertools
    assert "\n    " in lean


# Keys


def test_appended_keys_override_in_place_and_none_leaves_them_out() -> None:
    loggers = make_loggers()
    with frozen(INSTANT_NS):
        for logger in loggers.both:
            logger.append_keys(request_id="r1", correlation_id="c1", service="overridden", tenant=None)
        emit(loggers.both, "info", "first")
        for logger in loggers.both:
            logger.append_keys(request_id="r2", message="ignored", stack_trace="dropped", xray_trace_id="mine")
        emit(loggers.both, "info", "second", {"request_id": "from extra", "correlation_id": None})
        for logger in loggers.both:
            logger.remove_keys(["correlation_id", "absent", "message"])
        emit(loggers.both, "info", "third", {"level": "dropped", "location": "dropped", "timestamp": "dropped"})
    lines = [json.loads(line) for line in assert_same(loggers)]
    assert lines[0]["service"] == "overridden"
    assert "tenant" not in lines[0]
    assert lines[1]["request_id"] == "from extra"
    assert "correlation_id" not in lines[1]
    assert list(lines[2])[-1] == "message"


def test_an_appended_none_trace_id_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    loggers = make_loggers()
    for logger in loggers.both:
        logger.append_keys(xray_trace_id=None)
    with frozen(INSTANT_NS):
        emit(loggers.both, "info", "untraced")
    (line,) = assert_same(loggers)
    assert "xray_trace_id" not in json.loads(line)


def test_appended_reserved_keys_are_templates_over_the_record() -> None:
    loggers = make_loggers()
    for logger in loggers.both:
        logger.append_keys(
            location="%(module)s.%(funcName)s", name="plain", levelname="%(levelno)d", msecs="%(msecs)03d"
        )
    with frozen(INSTANT_NS):
        emit(loggers.both, "warning", "templated", {"operation": "op"})
        for logger in loggers.both:
            logger.append_keys(filename="%(operation)s at %(created)f in %(threadName)s/%(processName)s")
        emit(loggers.both, "info", "with the extra", {"operation": "op"})
        emit(loggers.both, "info", "without it: no line")
        for logger in loggers.both:
            logger.remove_keys(["filename"])
            logger.append_keys(level=5)
        emit(loggers.both, "info", "a template that is no string: no line")
    lines = assert_same(loggers)
    assert len(lines) == 2
    assert json.loads(lines[0])["location"] == "test_telemetry.emit"


def test_record_attributes_in_extra_raise_key_error_alike() -> None:
    loggers = make_loggers()
    for key in sorted(RECORD_KEYS):
        assert (
            emit(loggers.both, "info", "refused", {key: 1})
            == [("KeyError", f"\"Attempt to overwrite '{key}' in LogRecord\"")] * 2
        )
    assert emit(loggers.both, "debug", "filtered before the check", {"msg": 1}) == [None, None]
    assert loggers.outputs() == ("", "")


def test_the_reserved_and_record_keys_are_those_of_powertools_and_logging() -> None:
    assert set(RESERVED_LOG_ATTRS) == RESERVED_KEYS
    record = logging.LogRecord("name", logging.INFO, "path", 1, "msg", (), None)
    assert set(record.__dict__) | {"message", "asctime"} == RECORD_KEYS


def test_keyword_arguments_are_extra_keys() -> None:
    loggers = make_loggers()
    with frozen(INSTANT_NS):
        for logger in loggers.both:
            logger.info("kwargs", extra={"a": 1, "b": 2}, b=3, c=4)
    assert_same(loggers)


@pytest.mark.parametrize(
    "message",
    ["123", '{"a": [1, 2]}', "null", " [1]", "\t{}", "NaN", "-Infinity", '"quoted"', "true", "1 2", "{bad", "", "x"],
)
def test_a_message_that_is_json_is_decoded_alike(message: str) -> None:
    loggers = make_loggers()
    with frozen(INSTANT_NS):
        emit(loggers.both, "info", message)
        emit(loggers.both, "info", {"dict": message})
        emit(loggers.both, "info", 42)
    assert len(assert_same(loggers)) == 3


def test_a_line_that_cannot_be_serialised_is_reported_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    loggers = make_loggers()
    circular: dict[str, object] = {}
    circular["self"] = circular
    with frozen(INSTANT_NS):
        assert emit(loggers.both, "info", "circular", {"circular": circular}) == [None, None]
        assert emit(loggers.both, "info", "keys", {"nested": {("tuple", "key"): 1}}) == [None, None]
    assert loggers.outputs() == ("", "")
    assert capsys.readouterr().err.count("--- Logging error ---") == 4


def test_a_line_inside_an_asyncio_task_matches() -> None:
    loggers = make_loggers()

    async def main() -> None:
        with frozen(INSTANT_NS):
            emit(loggers.both, "info", "in a task")

    asyncio.run(main())
    assert_same(loggers)


# Exceptions


class OwnError(Exception):
    """An exception of this module, so ``stack_trace.module`` is not ``builtins``."""


def _raise_chained() -> None:
    """Raise an error with a cause, two frames deep."""
    try:
        int("not a number")
    except ValueError as exc:
        raise OwnError("wrapped ✓") from exc


def test_exception_logs_the_traceback_alike() -> None:
    loggers = make_loggers()
    with frozen(INSTANT_NS):
        try:
            _raise_chained()
        except OwnError as error:
            error.add_note("a note")
            error.add_note("another")
            emit(loggers.both, "exception", "Unhandled error", {"operation": "create"})
            emit(loggers.both, "exception", "overridden", {"exception": "mine", "exception_name": None})
            emit(loggers.both, "info", "no exc_info at info")
            for logger in loggers.both:
                logger.error("error with exc_info", exc_info=True)
        emit(loggers.both, "exception", "outside an except block")
    lines = [json.loads(line) for line in assert_same(loggers)]
    first = lines[0]
    assert first["exception_name"] == "OwnError"
    assert first["exception_notes"] == ["a note", "another"]
    assert first["stack_trace"]["module"] == __name__
    assert first["stack_trace"]["frames"][-1]["function"] == "_raise_chained"
    assert "The above exception was the direct cause" in first["exception"]
    assert lines[1]["exception"] == "mine"
    assert "exception_name" not in lines[1]
    assert "exception" not in lines[2]
    assert "stack_trace" in lines[3]
    assert "exception" not in lines[4]


# Generated lines

_NAMES = [
    "service",
    "request_id",
    "level",
    "location",
    "timestamp",
    "message",
    "msg",
    "name",
    "taskName",
    "exception",
    "exception_name",
    "stack_trace",
    "xray_trace_id",
    "sampling_rate",
    "operation",
]
_TEMPLATES = [
    "%(levelname)s",
    "%(funcName)s:%(lineno)d",
    "%(asctime)s",
    "%(module)s",
    "%(filename)s",
    "%(name)s",
    "%(levelno)d",
    "%(msecs)d",
    "%(created)f",
    "%(operation)s",
    "%(process)d",
    "100%",
    "plain",
]


@dataclass(frozen=True)
class Opaque:
    """A value JSON cannot hold, written with ``str``."""

    text: str

    def __str__(self) -> str:
        return f"Opaque<{self.text}>"


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.builds(Opaque, st.text(max_size=4))
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.binary(max_size=4)
    | st.datetimes()
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4) | st.integers(-3, 3), children, max_size=3)
    ),
    max_leaves=8,
)
#: Mostly keys of one's own; now and then one Powertools or ``logging`` reserves.
_keys = st.one_of(
    st.text(max_size=6), st.sampled_from(["operation", "status", "request_id", "service"]), st.sampled_from(_NAMES)
)
_messages = (
    st.text(max_size=12)
    | st.sampled_from(["123", '{"a": 1}', "null", "[1, 2]", "NaN", '"q"', "request"])
    | st.dictionaries(st.text(max_size=4), _values, max_size=3)
    | st.integers()
    | st.builds(Opaque, st.text(max_size=4))
)
_appended = st.one_of(
    st.dictionaries(st.sampled_from(["request_id", "correlation_id", "service", "tenant"]), _scalars, max_size=3),
    st.dictionaries(
        st.sampled_from([*_NAMES, "correlation_id", "module", "funcName", "lineno", "msecs", "filename"])
        | st.text(max_size=6),
        _scalars | st.sampled_from(_TEMPLATES),
        max_size=3,
    ),
)
_calls = st.lists(
    st.tuples(
        st.sampled_from(["debug", "info", "warning", "error", "critical", "exception"]),
        _messages,
        st.none() | st.dictionaries(_keys, _values, max_size=5),
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    level=st.sampled_from(["DEBUG", "DEBUG", "INFO", "WARNING", "ERROR"]),
    appended=_appended,
    removed=st.lists(st.sampled_from(["service", "level", "message", "request_id"]), max_size=2),
    calls=_calls,
    trace=st.none() | st.sampled_from([TRACE_HEADER, "Root=1-x", ""]),
    ns=st.integers(1_500_000_000_000_000_000, 2_000_000_000_000_000_000),
)
def test_generated_lines_match_powertools(
    *,
    level: str,
    appended: dict[str, object],
    removed: list[str],
    calls: list[tuple[str, object, dict[str, object] | None, bool]],
    trace: str | None,
    ns: int,
) -> None:
    loggers = make_loggers(level)
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(io.StringIO()):
        if trace is None:
            patch.delenv("_X_AMZN_TRACE_ID", raising=False)
        else:
            patch.setenv("_X_AMZN_TRACE_ID", trace)
        for logger in loggers.both:
            logger.append_keys(**appended)
            logger.remove_keys(removed)
        for index, (method, message, extra, handling) in enumerate(calls):
            with frozen(ns + index * 7_654_321):
                if handling:
                    outcomes = emit_handling(OwnError(f"error {index}"), loggers.both, method, message)
                else:
                    outcomes = emit(loggers.both, method, message, extra)
            assert outcomes[1] == outcomes[0]
    assert_same(loggers)


# Metrics


def _frozen_document(make: Callable[[], Any], steps: Callable[[Any], None], ns: int = INSTANT_NS) -> str:
    """What ``steps`` prints to stdout through a metrics object ``make`` builds, at ``ns``."""
    out = io.StringIO()
    with frozen(ns), contextlib.redirect_stdout(out):
        steps(make())
    return out.getvalue()


def _both_print(
    steps: Callable[[Any], None], namespace: str | None = "ns", service: str | None = "svc", ns: int = INSTANT_NS
) -> str:
    """Run ``steps`` on Powertools' metrics, then on ours, and return what both printed (asserted the same)."""
    powertools = _frozen_document(lambda: PowertoolsMetrics(namespace=namespace, service=service), steps, ns)
    _reset_metrics()
    lean = _frozen_document(lambda: LeanMetrics(namespace=namespace, service=service), steps, ns)
    assert lean == powertools
    return lean


def _request_metrics(metrics: MetricsLike) -> None:
    """The app's metrics of one request."""
    metrics.add_dimension("operation", "health")
    metrics.add_metric(name="Requests", unit="Count", value=1)
    metrics.add_metric(name="Latency", unit="Milliseconds", value=0.187)
    metrics.flush_metrics()


def test_the_request_document_is_the_sample_document() -> None:
    printed = _both_print(
        _request_metrics, namespace="dynamodbmanager", service="dynamodbmanager", ns=INSTANT_NS + 1_000_000
    )
    assert printed == SAMPLE_DOCUMENT + "\n"


def test_several_dimensions_and_requests_match() -> None:
    def steps(metrics: Any) -> None:
        for operation, latency, status in [("create", 12.5, 201), ("read", 0.1 + 0.2, 404), ("list", 1e-7, 500)]:
            metrics.add_dimension("operation", operation)
            metrics.add_dimension("environment", "prod")
            metrics.add_dimension("région", "eu-west-3 ✓")
            metrics.add_metric(name="Requests", unit="Count", value=1)
            metrics.add_metric(name="Latency", unit="Milliseconds", value=latency)
            metrics.add_metric(name="Latency", unit="Milliseconds", value=latency * 2)
            metrics.add_metric(name="ServerErrors" if status >= 500 else "ClientErrors", unit="Count", value=1)
            metrics.flush_metrics()

    assert len(_both_print(steps).splitlines()) == 3


def test_a_service_dimension_added_first_keeps_its_place() -> None:
    def steps(metrics: Any) -> None:
        metrics.add_dimension("service", "explicit")
        metrics.add_dimension("operation", "read")
        metrics.add_metric(name="Requests", unit="Count", value=1)
        metrics.flush_metrics()

    assert '"Dimensions":[["service","operation"]]' in _both_print(steps)


def test_without_a_service_there_is_no_service_dimension(monkeypatch: pytest.MonkeyPatch) -> None:
    _both_print(_request_metrics, service=None)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "from-env")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "env-namespace")
    printed = _both_print(_request_metrics, namespace=None, service=None)
    assert '"service":"from-env"' in printed
    assert '"Namespace":"env-namespace"' in printed


def test_units_by_name_high_resolution_and_other_numbers_match() -> None:
    def steps(metrics: Any) -> None:
        metrics.add_metric(name="Rate", unit="BytesPerSecond", value=3)
        metrics.add_metric(name="Plain", unit="None", value=True)
        metrics.add_metric(name="Named", unit="NoUnit", value=decimal.Decimal("2.5"))
        metrics.add_metric(name="Fast", unit="Count/Second", value=float("nan"), resolution=1)
        metrics.add_metric(name=" Padded ", unit="Percent", value=float("inf"))
        metrics.add_metric(name="Padded", unit="Seconds", value=-0.0)
        metrics.flush_metrics()

    printed = _both_print(steps)
    assert '"StorageResolution":1' in printed
    assert '"Padded":[Infinity,-0.0]' in printed


def test_metrics_and_dimensions_are_shared_between_instances() -> None:
    def steps(metrics: Any) -> None:
        metrics.add_dimension("operation", "read")
        other = type(metrics)(namespace="other", service="other")
        other.add_metric(name="FromOther", unit="Count", value=1)
        metrics.flush_metrics()

    assert '"FromOther":[1.0]' in _both_print(steps)


def _transcript(metrics: Any, steps: list[tuple[Any, ...]]) -> list[object]:
    """Apply ``steps``, noting for each what it raised and what it warned."""
    noted: list[object] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in steps:
            before = len(caught)
            if step[0] == "dimension":
                call = partial(metrics.add_dimension, step[1], step[2])
            elif step[0] == "metric":
                call = partial(metrics.add_metric, name=step[1], unit=step[2], value=step[3], resolution=step[4])
            else:
                call = partial(metrics.flush_metrics, raise_on_empty_metrics=step[1])
            noted.append(outcome(call))
            noted.append([str(warning.message) for warning in caught[before:]])
    return noted


def _both_transcripts(steps: list[tuple[Any, ...]], ns: int = INSTANT_NS, service: str | None = "svc") -> str:
    """Apply ``steps`` to both libraries' metrics; they raise, warn and print alike. Returns what was printed."""
    printed: list[str] = []
    noted: list[list[object]] = []
    for make in (PowertoolsMetrics, LeanMetrics):
        _reset_metrics()
        out = io.StringIO()
        with frozen(ns), contextlib.redirect_stdout(out):
            noted.append(_transcript(make(namespace="ns", service=service), steps))
        printed.append(out.getvalue())
    assert noted[1] == noted[0]
    assert printed[1] == printed[0]
    return printed[1]


def test_flushing_no_metric_warns_prints_nothing_and_keeps_the_dimensions() -> None:
    printed = _both_transcripts(
        [
            ("dimension", "operation", "read"),
            ("flush", False),
            ("metric", "Requests", "Count", 1, 60),
            ("flush", False),
            ("flush", True),
        ]
    )
    assert '"operation":"read"' in printed


def test_an_invalid_unit_is_a_value_error_with_powertools_message() -> None:
    with pytest.raises(ValueError, match="Invalid metric unit 'Hours'") as caught:
        LeanMetrics(namespace="ns").add_metric(name="Requests", unit="Hours", value=1)
    assert isinstance(caught.value, MetricUnitError)
    _both_transcripts([("metric", "Requests", unit, 1, 60) for unit in ["Hours", "count", "", " Count"]])


def test_invalid_names_values_resolutions_and_dimensions_fail_alike() -> None:
    _both_transcripts(
        [
            ("metric", "", "Count", 1, 60),
            ("metric", "   ", "Count", 1, 60),
            ("metric", "x" * 256, "Count", 1, 60),
            ("metric", "x" * 255, "Count", 1, 60),
            ("metric", "Value", "Count", "1", 60),
            ("metric", "Value", "Count", None, 60),
            ("metric", "Value", "Count", 1, 5),
            ("metric", "Value", "Count", 1, "60"),
            ("dimension", "", "value"),
            ("dimension", "name", " "),
            ("dimension", "number", 7),
            ("dimension", "number", 7),
            ("dimension", "number", 8),
            ("flush", False),
        ]
    )


def test_the_thirtieth_dimension_is_refused_alike() -> None:
    steps: list[tuple[Any, ...]] = [("dimension", f"d{index}", "v") for index in range(30)]
    _both_transcripts([*steps, ("metric", "Requests", "Count", 1, 60), ("flush", False)])
    _both_transcripts([*steps[:28], ("metric", "Requests", "Count", 1, 60), ("flush", False)])


def test_the_hundredth_metric_or_value_prints_at_once() -> None:
    many_metrics: list[tuple[Any, ...]] = [("metric", f"M{index}", "Count", index, 60) for index in range(101)]
    many_values: list[tuple[Any, ...]] = [("metric", "Latency", "Milliseconds", index / 3, 60) for index in range(201)]
    printed = _both_transcripts([("dimension", "operation", "bulk"), *many_metrics, ("flush", False)])
    assert len(printed.splitlines()) == 2
    assert printed.startswith('{"_aws": {"Timestamp"')
    assert len(_both_transcripts([*many_values, ("flush", False)]).splitlines()) == 3


@pytest.mark.parametrize(
    ("disabled", "development", "prints"),
    [
        ("true", None, False),
        ("1", "false", False),
        (None, "true", False),
        ("false", "true", True),
        ("0", None, True),
        ("maybe", None, False),
        ("1", "maybe", False),
        (None, "", False),
    ],
)
def test_disabled_metrics_print_nothing(
    monkeypatch: pytest.MonkeyPatch, disabled: str | None, development: str | None, prints: bool
) -> None:
    for name, value in [("POWERTOOLS_METRICS_DISABLED", disabled), ("POWERTOOLS_DEV", development)]:
        if value is not None:
            monkeypatch.setenv(name, value)
    printed = _both_transcripts([("metric", "Requests", "Count", 1, 60), ("flush", False), ("flush", False)])
    assert bool(printed) == prints


def test_no_namespace_fails_the_flush_alike() -> None:
    for make in (PowertoolsMetrics, LeanMetrics):
        _reset_metrics()
        metrics = make(service="svc")
        metrics.add_metric(name="Requests", unit="Count", value=1)
        assert outcome(metrics.flush_metrics) == ("SchemaValidationError", "Must contain a metric namespace.")


_metric = st.tuples(
    st.just("metric"),
    st.sampled_from(["Requests", "Latency", " Padded ", "", "_aws", "env"]) | st.text(max_size=3),
    st.sampled_from([*METRIC_UNITS, *METRIC_UNITS.values(), "count", "Hours"]),
    st.integers()
    | st.floats()
    | st.booleans()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.sampled_from(["1", None]),
    st.sampled_from([60, 60, 1, 5]),
)
_metric_steps = st.lists(
    st.one_of(
        _metric,
        _metric,
        st.tuples(
            st.just("dimension"),
            st.sampled_from(["operation", "service", "env", "", " ", "_aws", "Requests"]) | st.text(max_size=3),
            st.sampled_from(["read", "", "é ✓"]) | st.text(max_size=3) | st.integers(-5, 5),
        ),
        st.tuples(st.just("flush"), st.booleans()),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=_metric_steps,
    ns=st.integers(1_500_000_000_000_000_000, 2_000_000_000_000_000_000),
    service=st.none() | st.sampled_from(["svc", " "]),
)
def test_generated_metrics_match_powertools(steps: list[tuple[Any, ...]], ns: int, service: str | None) -> None:
    _both_transcripts([*steps, ("flush", False)], ns=ns, service=service)


@settings(max_examples=500, deadline=None)
@given(ns=st.integers(0, 4_000_000_000_000_000_000))
def test_the_timestamp_rounds_as_datetime_does(ns: int) -> None:
    with timezone("UTC"), pytest.MonkeyPatch.context() as patch:
        moment = datetime.datetime.fromtimestamp(ns // 1_000_000_000).replace(microsecond=ns % 1_000_000_000 // 1000)
        patch.setattr(time, "time_ns", lambda: ns)
        assert timestamp_ms() == int(moment.timestamp() * 1000)


# The factory


def test_make_telemetry_makes_either_pair() -> None:
    lean_logger, lean_metrics = make_telemetry("lean", service="svc", level="DEBUG", namespace="ns")
    assert isinstance(lean_logger, LeanLogger)
    assert isinstance(lean_metrics, LeanMetrics)
    powertools_logger, powertools_metrics = make_telemetry(
        "powertools", service=f"svc-{uuid.uuid4().hex[:12]}", level="DEBUG", namespace="ns"
    )
    assert isinstance(powertools_logger, PowertoolsLogger)
    assert isinstance(powertools_metrics, PowertoolsMetrics)
    assert set(KINDS) == {"lean", "powertools"}
    with pytest.raises(ValueError, match="Unknown telemetry 'loud'"):
        make_telemetry("loud", service="svc", level="INFO", namespace="ns")


def test_the_lean_pair_does_not_import_powertools_or_logging() -> None:
    code = (
        "import sys\n"
        "from dynamodbmanager.telemetry import make_telemetry\n"
        "logger, metrics = make_telemetry('lean', service='s', level='INFO', namespace='n')\n"
        "logger.info('hello', extra={'a': 1})\n"
        "metrics.add_metric(name='Requests', unit='Count', value=1)\n"
        "metrics.flush_metrics()\n"
        "assert not any(m.startswith('aws_lambda_powertools') for m in sys.modules)\n"
        "assert 'logging' not in sys.modules\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["message"] for line in result.stdout.splitlines()[:1]] == ["hello"]
