"""Structured log lines, byte for byte those of AWS Lambda Powertools' ``Logger``, without its import or its machinery.

Powertools' ``Logger`` sends every line through the standard :mod:`logging` machinery (a ``LogRecord``, a handler
and its lock, a formatter that copies the record's ``__dict__``) and costs tens of milliseconds of imports at cold
start. :class:`Logger` builds the same dictionary, in the same key order, from the same inputs, and serialises it
with the same JSON settings: only the standard library, and little work per line.

What a line holds, as Powertools' ``LambdaPowertoolsFormatter`` builds it:

* the logger's keys in their order: ``level``, ``location`` (``funcName:lineno`` of the caller), ``message``,
  ``timestamp`` (``%Y-%m-%d %H:%M:%S,mmm%z`` in local time, UTC on Lambda), ``service``, ``sampling_rate`` and then
  those of :meth:`Logger.append_keys`;
* the call's ``extra``, less the keys Powertools reserves (``level``, ``location``, ``timestamp``, the record's own);
* the message, parsed as JSON when it is a JSON text;
* for :meth:`Logger.exception`, ``exception``, ``exception_name``, ``exception_notes`` and ``stack_trace``;
* ``xray_trace_id``, the ``Root`` of ``_X_AMZN_TRACE_ID`` read at each call;

with every key whose value is ``None`` left out, serialised compactly with ``ensure_ascii=False`` and ``str`` for
what JSON cannot hold, one line per call (four-space indented with ``POWERTOOLS_DEV``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import FrameType, TracebackType

    ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50

#: Level names :mod:`logging` knows, to their numbers.
LEVELS: dict[str, int] = {
    "CRITICAL": CRITICAL,
    "FATAL": CRITICAL,
    "ERROR": ERROR,
    "WARN": WARNING,
    "WARNING": WARNING,
    "INFO": INFO,
    "DEBUG": DEBUG,
    "NOTSET": 0,
}
_LEVEL_NAMES: dict[int, str] = {CRITICAL: "CRITICAL", ERROR: "ERROR", WARNING: "WARNING", INFO: "INFO", DEBUG: "DEBUG"}
_LEVEL_NAMES[0] = "NOTSET"

#: AWS Lambda's advanced logging controls level (``AWS_LAMBDA_LOG_LEVEL``), as a :mod:`logging` level name.
LAMBDA_LEVELS: dict[str, str] = {
    "TRACE": "NOTSET",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
}

#: Keys Powertools keeps for itself: an ``extra`` key among them is dropped, an appended one is a %-template.
RESERVED_KEYS = frozenset(
    {
        "name",
        "msg",
        "args",
        "level",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "asctime",
        "location",
        "timestamp",
    }
)

#: Whether this Python's ``LogRecord`` carries the asyncio task's name (3.12 on), which Powertools then logs.
_TASK_NAMES = sys.version_info >= (3, 12)

#: Keys ``logging`` refuses in ``extra`` (a ``LogRecord`` attribute, or ``message``/``asctime``) with a KeyError.
RECORD_KEYS = frozenset(
    {
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "message",
        "asctime",
    }
    | ({"taskName"} if _TASK_NAMES else set())
)

#: The templates of Powertools' own keys; any other appended reserved key is formatted against the whole record.
_TEMPLATES: dict[str, object] = {
    "level": "%(levelname)s",
    "location": "%(funcName)s:%(lineno)d",
    "timestamp": "%(asctime)s",
}

#: Characters a JSON text may start with (Python's decoder accepts NaN and Infinity too); others are not parsed.
_JSON_START = frozenset(' \t\n\r"{[-0123456789tfnNI')

#: When this module was loaded, nanoseconds: ``relativeCreated``'s origin if :mod:`logging` was never imported.
_LOADED_NS = time.time_ns()

_TRACE_ID_ENV = "_X_AMZN_TRACE_ID"


class InvalidLoggerSamplingRateError(ValueError):
    """``POWERTOOLS_LOGGER_SAMPLE_RATE`` is not a number (Powertools raises its exception of the same name)."""


def strtobool(value: str) -> bool:
    """A Powertools boolean setting: ``1/y/yes/t/true/on`` or ``0/n/no/f/false/off``, any case; else ValueError."""
    value = value.lower()
    if value in ("1", "y", "yes", "t", "true", "on"):
        return True
    if value in ("0", "n", "no", "f", "false", "off"):
        return False
    raise ValueError(f"invalid truth value {value!r}")


def _warn(message: str, stacklevel: int) -> None:
    """A UserWarning ``stacklevel`` frames above the caller, with :mod:`warnings` imported only when there is one."""
    import warnings

    warnings.warn(message, UserWarning, stacklevel=stacklevel + 2)


def resolve_level(level: str | int | None) -> int:
    """The level Powertools' Logger would settle on: Lambda's logging controls, then ``level``, then the environment.

    ``AWS_LAMBDA_LOG_LEVEL`` wins (with a warning when it is the less verbose), then ``level``, then
    ``POWERTOOLS_LOG_LEVEL``, then ``LOG_LEVEL``, then INFO; an unknown name raises ValueError as ``logging`` does.
    """
    lambda_level = LAMBDA_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", ""))
    wanted: str | None
    if isinstance(level, int):
        wanted = _LEVEL_NAMES.get(level, f"Level {level}")
    else:
        wanted = level or (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL"))
    if wanted and lambda_level:
        wanted_number = LEVELS.get(wanted.upper())
        if wanted_number is not None and LEVELS[lambda_level] > wanted_number:
            _warn(
                f"Current log level ({wanted}) does not match AWS Lambda Advanced Logging Controls "
                f"minimum log level ({lambda_level}). This can lead to data loss, consider adjusting them.",
                stacklevel=2,
            )
    if lambda_level:
        return LEVELS[lambda_level]
    if wanted is None:
        return INFO
    name = wanted.upper()
    if name not in LEVELS:
        raise ValueError(f"Unknown level: {name!r}")
    return LEVELS[name]


if sys.version_info >= (3, 13):

    def _clock() -> tuple[float, int]:
        """``LogRecord.created`` and its whole milliseconds, as Python 3.13's ``logging`` takes them."""
        ns = time.time_ns()
        created = ns / 1e9
        msecs = (ns % 1_000_000_000) // 1_000_000
        if msecs == 999 and int(created) != ns // 1_000_000_000:
            msecs = 0
        return created, msecs

else:

    def _clock() -> tuple[float, int]:
        """``LogRecord.created`` and its whole milliseconds, as Python 3.11's and 3.12's ``logging`` take them."""
        created = time.time()
        return created, int((created - int(created)) * 1000)


def _task_name() -> str | None:
    """The running asyncio task's name, which ``logging`` records as ``taskName`` from Python 3.12 on."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return str(asyncio.current_task().get_name())
        except Exception:
            return None
    return None


def _parse_message(msg: object) -> object:
    """The message as Powertools logs it: a dict as is, a JSON text decoded, anything else as is."""
    if isinstance(msg, str) and msg[:1] in _JSON_START:
        try:
            return json.loads(msg)
        except (TypeError, ValueError):
            return msg
    return msg


def format_exception(exc_info: ExcInfo) -> str:
    """The traceback text of ``logging.Formatter.formatException``: what ``traceback`` prints, less the last newline."""
    import traceback

    text = "".join(traceback.format_exception(exc_info[0], exc_info[1], exc_info[2]))
    return text[:-1] if text[-1:] == "\n" else text


def stack_trace(exc_info: ExcInfo) -> dict[str, Any]:
    """Powertools' ``stack_trace`` value: the exception's type, value, module and frames."""
    import traceback

    return {
        "type": exc_info[0].__name__ if exc_info[0] is not None else None,
        "value": exc_info[1],
        "module": exc_info[1].__class__.__module__,
        "frames": [
            {"file": frame.filename, "line": frame.lineno, "function": frame.name, "statement": frame.line}
            for frame in traceback.extract_tb(exc_info[2])
        ],
    }


class Logger:
    """One JSON line per call on ``stream`` (stdout), as Powertools' ``Logger(service=..., level=...)`` writes it.

    Reads the same settings: ``POWERTOOLS_SERVICE_NAME`` without ``service``, the level (:func:`resolve_level`),
    ``POWERTOOLS_LOGGER_SAMPLE_RATE`` and ``POWERTOOLS_DEV``.
    """

    def __init__(
        self, service: str | None = None, level: str | int | None = None, stream: IO[str] | None = None
    ) -> None:
        self.service: str = (
            service if service is not None else os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
        )
        self.sampling_rate: str | None = os.environ.get("POWERTOOLS_LOGGER_SAMPLE_RATE")
        self._stream: IO[str] = stream or sys.stdout
        self._level = resolve_level(level)
        if self.sampling_rate:
            self._sample(self.sampling_rate)
        pretty = strtobool(os.environ.get("POWERTOOLS_DEV", "0"))
        if pretty:
            _warn(
                "POWERTOOLS_DEV environment variable is enabled. Increasing verbosity across utilities.", stacklevel=1
            )
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), indent=4 if pretty else None, default=str
        )
        #: The keys of every line in their order, Powertools' ``log_format``: templates for its own three.
        self._keys: dict[str, object] = {
            "level": _TEMPLATES["level"],
            "location": _TEMPLATES["location"],
            "message": None,
            "timestamp": _TEMPLATES["timestamp"],
            "service": self.service,
            "sampling_rate": self.sampling_rate,
        }
        self._templates: tuple[tuple[str, object], ...] = ()
        self._plain = True
        self._keys_changed()
        #: The second, time zone names, date and zone text of the last timestamp (one tuple, so threads agree).
        self._stamp: tuple[int, object, str, str] = (-1, None, "", "")
        #: The last ``_X_AMZN_TRACE_ID`` and its trace id.
        self._trace: tuple[str | None, str | None] = (None, None)

    @property
    def log_level(self) -> int:
        """The level in force, as a :mod:`logging` number (Powertools' ``Logger.log_level``)."""
        return self._level

    def _sample(self, rate: str) -> None:
        """Log at DEBUG for a ``rate`` share of containers, as Powertools' sampling does at construction."""
        import random

        try:
            if random.random() <= float(rate):  # noqa: S311 - sampling, not security
                self._level = DEBUG
        except ValueError:
            raise InvalidLoggerSamplingRateError(
                f"Expected a float value ranging 0 to 1, but received {rate} instead."
                "Please review POWERTOOLS_LOGGER_SAMPLE_RATE environment variable or `sampling_rate` parameter."
            ) from None

    def append_keys(self, **additional_keys: object) -> None:
        """Add keys to every following line (a key already there keeps its place); ``None`` leaves a key out."""
        self._keys.update(additional_keys)
        if not RESERVED_KEYS.isdisjoint(additional_keys):
            self._keys_changed()

    def remove_keys(self, keys: Iterable[str]) -> None:
        """Remove keys from every following line; a key that is not there is ignored."""
        for key in keys:
            if self._keys.pop(key, None) is not None and key in RESERVED_KEYS:
                self._keys_changed()

    def _keys_changed(self) -> None:
        """Note which keys are templates, so a line with only Powertools' own three takes the short way."""
        self._templates = tuple((key, value) for key, value in self._keys.items() if value and key in RESERVED_KEYS)
        self._plain = dict(self._templates) == _TEMPLATES

    def debug(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = False, **kwargs: object
    ) -> None:
        """Log ``msg`` at DEBUG, with the keys of ``extra`` and ``kwargs``."""
        if self._level <= DEBUG:
            self._log(DEBUG, msg, extra, kwargs, exc_info)

    def info(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = False, **kwargs: object
    ) -> None:
        """Log ``msg`` at INFO, with the keys of ``extra`` and ``kwargs``."""
        if self._level <= INFO:
            self._log(INFO, msg, extra, kwargs, exc_info)

    def warning(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = False, **kwargs: object
    ) -> None:
        """Log ``msg`` at WARNING, with the keys of ``extra`` and ``kwargs``."""
        if self._level <= WARNING:
            self._log(WARNING, msg, extra, kwargs, exc_info)

    def error(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = False, **kwargs: object
    ) -> None:
        """Log ``msg`` at ERROR, with the keys of ``extra`` and ``kwargs``."""
        if self._level <= ERROR:
            self._log(ERROR, msg, extra, kwargs, exc_info)

    def critical(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = False, **kwargs: object
    ) -> None:
        """Log ``msg`` at CRITICAL, with the keys of ``extra`` and ``kwargs``."""
        if self._level <= CRITICAL:
            self._log(CRITICAL, msg, extra, kwargs, exc_info)

    def exception(
        self, msg: object, *, extra: Mapping[str, object] | None = None, exc_info: bool = True, **kwargs: object
    ) -> None:
        """Log ``msg`` at ERROR with the exception being handled: its traceback, name, notes and frames."""
        if self._level <= ERROR:
            self._log(ERROR, msg, extra, kwargs, exc_info)

    def _log(
        self, levelno: int, msg: object, extra: Mapping[str, object] | None, kwargs: dict[str, object], exc_info: bool
    ) -> None:
        """Write one line, built in the order of Powertools' ``LambdaPowertoolsFormatter.format``.

        The caller is two frames up. Fails as ``logging`` does: a key ``logging`` refuses in ``extra`` raises
        KeyError, a line that cannot be formatted or written is reported on stderr (but a RecursionError raises).
        """
        frame = sys._getframe(2)
        if kwargs:
            extra = {**extra, **kwargs} if extra else kwargs
        if extra and not RECORD_KEYS.isdisjoint(extra):
            for key in extra:
                if key in RECORD_KEYS:
                    raise KeyError(f"Attempt to overwrite {key!r} in LogRecord")
        created, msecs = _clock()
        error: ExcInfo | None = sys.exc_info() if exc_info else None
        try:
            log = self._keys.copy()
            if self._plain:
                log["level"] = _LEVEL_NAMES[levelno]
                log["location"] = f"{frame.f_code.co_name}:{frame.f_lineno}"
                log["timestamp"] = self._asctime(created, msecs)
            else:
                record = self._record(
                    levelno=levelno, msg=msg, extra=extra, error=error, frame=frame, created=created, msecs=msecs
                )
                for key, template in self._templates:
                    if not isinstance(template, str):
                        raise ValueError(
                            "Logging keys that override reserved log attributes need to be type 'str', "
                            f"instead got '{type(template).__name__}'"
                        )
                    log[key] = template % record
            if _TASK_NAMES:
                log["taskName"] = _task_name()
            if extra:
                if RESERVED_KEYS.isdisjoint(extra):
                    log.update(extra)
                else:
                    for key, value in extra.items():
                        if key not in RESERVED_KEYS:
                            log[key] = value
            log["message"] = msg if isinstance(msg, dict) else _parse_message(msg)
            if error is not None and error[0] is not None:
                log["exception"] = log.get("exception", format_exception(error))
                log["exception_name"] = log.get("exception_name", error[0].__name__)
                log["exception_notes"] = log.get("exception_notes", getattr(error[1], "__notes__", None))
                log["stack_trace"] = stack_trace(error)
            else:
                log.pop("stack_trace", None)
            log["xray_trace_id"] = None if self._keys.get("xray_trace_id", "") is None else self._xray_trace_id()
            line = self._encoder.encode({key: value for key, value in log.items() if value is not None})
            self._stream.write(line + "\n")
            self._stream.flush()
        except RecursionError:
            raise
        except Exception:
            self._report_failure(msg)

    def _asctime(self, created: float, msecs: int) -> str:
        """``2021-05-03 10:20:19,650+0200`` in local time, the date and zone reused within a second."""
        second = int(created)
        stamp = self._stamp
        if stamp[0] != second or stamp[1] is not time.tzname:
            moment = time.localtime(created)
            stamp = (second, time.tzname, time.strftime("%Y-%m-%d %H:%M:%S,", moment), time.strftime("%z", moment))
            self._stamp = stamp
        return f"{stamp[2]}{msecs:03d}{stamp[3]}"

    def _xray_trace_id(self) -> str | None:
        """The X-Ray trace id of the invocation: the ``Root`` of ``_X_AMZN_TRACE_ID``, read at each call."""
        value = os.environ.get(_TRACE_ID_ENV)
        trace = self._trace
        if value != trace[0]:
            trace = (value, value.split(";")[0].replace("Root=", "") if value else None)
            self._trace = trace
        return trace[1]

    def _record(
        self,
        *,
        levelno: int,
        msg: object,
        extra: Mapping[str, object] | None,
        error: ExcInfo | None,
        frame: FrameType,
        created: float,
        msecs: int,
    ) -> dict[str, object]:
        """What ``LogRecord.__dict__`` would hold, for appended keys that are templates over it (rare)."""
        import threading

        code = frame.f_code
        pathname = code.co_filename
        filename = os.path.basename(pathname)
        logging_module = sys.modules.get("logging")
        start = getattr(logging_module, "_startTime", None)
        if start is None:
            relative = (created * 1e9 - _LOADED_NS) / 1e6
        elif isinstance(start, int):
            relative = (created * 1e9 - start) / 1e6
        else:
            relative = (created - start) * 1000
        process_name = "MainProcess"
        multiprocessing = sys.modules.get("multiprocessing")
        if multiprocessing is not None:
            try:
                process_name = str(multiprocessing.current_process().name)
            except Exception:
                process_name = "MainProcess"
        record: dict[str, object] = {
            "name": self.service,
            "msg": msg,
            "args": (),
            "levelname": _LEVEL_NAMES[levelno],
            "levelno": levelno,
            "pathname": pathname,
            "filename": filename,
            "module": os.path.splitext(filename)[0],
            "exc_info": error,
            "exc_text": None,
            "stack_info": None,
            "lineno": frame.f_lineno,
            "funcName": code.co_name,
            "created": created,
            "msecs": msecs + 0.0,
            "relativeCreated": relative,
            "thread": threading.get_ident(),
            "threadName": threading.current_thread().name,
            "processName": process_name,
            "process": os.getpid(),
        }
        if _TASK_NAMES:
            record["taskName"] = _task_name()
        if extra:
            record.update(extra)
        record["asctime"] = self._asctime(created, msecs)
        return record

    @staticmethod
    def _report_failure(msg: object) -> None:
        """Tell stderr that a line could not be formatted or written, as ``logging.Handler.handleError`` does."""
        import traceback

        try:
            sys.stderr.write("--- Logging error ---\n")
            traceback.print_exc(file=sys.stderr)
            sys.stderr.write(f"Message: {msg!r}\nArguments: ()\n")
        except Exception:
            return
