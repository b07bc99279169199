"""A DynamoDB client with botocore's low-level call surface, on the standard library only.

Importing botocore and loading its DynamoDB model is most of the function's cold start. :class:`LeanDynamoDB`
speaks DynamoDB's JSON 1.0 protocol itself: a signed ``POST /`` over one kept-alive HTTP(S) connection per thread.
For the operations the function uses it answers as botocore 1.44's low-level client does, with retries in
botocore's *standard* mode:

* parameters go as botocore takes them: attribute values typed (``{"N": "1.5"}``), binary values as ``bytes``
  (sent in base64), and TransactWriteItems gets a ``ClientRequestToken`` when it has none, the same on every
  attempt, so that a retried transaction is not applied twice; responses come back as botocore parses them:
  ``B``/``BS`` values decoded to ``bytes``, numbers left as strings, DescribeTable's times as aware ``datetime``s,
  members the model does not know dropped, and a ``ResponseMetadata`` (``RequestId``, ``HTTPStatusCode``,
  ``HTTPHeaders``, ``RetryAttempts``);
* an error answer raises :class:`DynamoDBError` whose ``response`` is botocore's ``ClientError.response``: the
  ``Error`` code and message, the error's modelled members (``message``, ``Item``, ``CancellationReasons``...) and
  the ``ResponseMetadata``; no answer at all, after the last attempt, raises :class:`DynamoDBUnreachable`;
* retries: at most ``max_attempts`` attempts; throttling and transient error codes, HTTP 429/500/502/503/504,
  network failures and a response whose ``x-amz-crc32`` does not match its body are retried after
  ``random() * min(scale * 2 ** (attempt - 1), 20)`` seconds (``scale`` 1 s for throttling, 25 ms otherwise,
  raised towards an ``x-amz-retry-after`` header), while a retry quota of 500 (a retry costs 14, 5 after throttling;
  a success gives back 1, or what its own retries took) allows it.

Where it departs from botocore, on purpose: a response whose checksum still fails after the last attempt raises
:class:`DynamoDBUnreachable` (botocore returns the damaged response as if it were whole); blob parameters must be
bytes-like (botocore also encodes a ``str`` as UTF-8; here a ``str`` is sent as given, that is as base64 already);
parameters are not checked against the model, so a misspelt one reaches DynamoDB, which refuses it. Left out: the
shared config file and proxies, FIPS, dual-stack and account-ID endpoints, endpoint discovery, the
``amz-sdk-invocation-id``/``amz-sdk-request`` headers, and filtering of unknown members below the response's top level.
"""

from __future__ import annotations

import binascii
import http.client
import json
import os
import random
import select
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlsplit

from dynamodbmanager.store.failures import DynamoDBError, DynamoDBUnreachable
from dynamodbmanager.store.sigv4 import Signer

if TYPE_CHECKING:
    import ssl

    from dynamodbmanager.store.sigv4 import Credentials

__all__ = ["LeanDynamoDB", "endpoint_for"]

_TARGET_PREFIX = "DynamoDB_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"
#: What botocore leaves unescaped in the X-Ray trace header it propagates from ``_X_AMZN_TRACE_ID``.
_TRACE_ID_SAFE = "-=;:+&[]{}\"',"

# botocore.retries.standard: the error codes and statuses its standard mode retries.
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_THROTTLING_STATUS = 429
#: Modelled as retryable (not throttling) in DynamoDB's service model, for the operations that list it.
_MODELED_RETRYABLE = "ReplicatedWriteConflictException"
_MAX_BACKOFF = 20.0
_THROTTLING_SCALE = 1.0
_TRANSIENT_SCALE = 0.025
_RETRY_AFTER_HEADER = "x-amz-retry-after"
_RETRY_AFTER_MAX_EXTRA = 5.0
# botocore.retries.quota and RetryQuotaChecker: one quota per client.
_QUOTA_CAPACITY = 500
_RETRY_COST = 14
_THROTTLING_RETRY_COST = 5
_NO_RETRY_INCREMENT = 1

#: Network failures botocore's HTTP layer reports as ConnectionError/HTTPClientError, which it retries.
_NETWORK_ERRORS = (OSError, http.client.HTTPException)
#: How a request on a kept-alive connection the server has just closed fails (RemoteDisconnected included).
_STALE_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError)

_PARTITION_SUFFIXES = (
    ("cn-", "amazonaws.com.cn"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("us-iso-", "c2s.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
    ("eusc-", "amazonaws.eu"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Operation(NamedTuple):
    """What botocore's model says of an operation's answers: its output members and its modelled errors."""

    outputs: frozenset[str] | None
    errors: frozenset[str]


_READ_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ResourceNotFoundException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ThrottlingException",
    }
)
_WRITE_ERRORS = _READ_ERRORS | {
    "ConditionalCheckFailedException",
    "ItemCollectionSizeLimitExceededException",
    "TransactionConflictException",
    "ReplicatedWriteConflictException",
}
_WRITE_OUTPUTS = frozenset({"Attributes", "ConsumedCapacity", "ItemCollectionMetrics"})
_PAGE_OUTPUTS = frozenset({"Items", "Count", "ScannedCount", "LastEvaluatedKey", "ConsumedCapacity"})
_OPERATIONS = {
    "GetItem": _Operation(frozenset({"Item", "ConsumedCapacity"}), _READ_ERRORS),
    "PutItem": _Operation(_WRITE_OUTPUTS, _WRITE_ERRORS),
    "UpdateItem": _Operation(_WRITE_OUTPUTS, _WRITE_ERRORS),
    "DeleteItem": _Operation(_WRITE_OUTPUTS, _WRITE_ERRORS),
    "Query": _Operation(_PAGE_OUTPUTS, _READ_ERRORS),
    "Scan": _Operation(_PAGE_OUTPUTS, _READ_ERRORS),
    "BatchGetItem": _Operation(frozenset({"Responses", "UnprocessedKeys", "ConsumedCapacity"}), _READ_ERRORS),
    "BatchWriteItem": _Operation(
        frozenset({"UnprocessedItems", "ItemCollectionMetrics", "ConsumedCapacity"}),
        _READ_ERRORS | {"ItemCollectionSizeLimitExceededException", "ReplicatedWriteConflictException"},
    ),
    "TransactGetItems": _Operation(
        frozenset({"ConsumedCapacity", "Responses"}), _READ_ERRORS | {"TransactionCanceledException"}
    ),
    "TransactWriteItems": _Operation(
        frozenset({"ConsumedCapacity", "ItemCollectionMetrics"}),
        _READ_ERRORS
        | {"TransactionCanceledException", "TransactionInProgressException", "IdempotentParameterMismatchException"},
    ),
    "DescribeTable": _Operation(frozenset({"Table"}), frozenset({"ResourceNotFoundException", "InternalServerError"})),
}
#: Any other operation: its answer is returned as sent, and any 429 counts as throttling.
_OTHER_OPERATION = _Operation(None, frozenset())

#: The members of each error DynamoDB's model declares; botocore copies them into ``ClientError.response``.
_ERROR_MEMBERS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "BackupInUseException",
            "BackupNotFoundException",
            "ContinuousBackupsUnavailableException",
            "DuplicateItemException",
            "ExportConflictException",
            "ExportNotFoundException",
            "GlobalTableAlreadyExistsException",
            "GlobalTableNotFoundException",
            "ImportConflictException",
            "ImportNotFoundException",
            "IndexNotFoundException",
            "InternalServerError",
            "InvalidExportTimeException",
            "InvalidRestoreTimeException",
            "ItemCollectionSizeLimitExceededException",
            "LimitExceededException",
            "PointInTimeRecoveryUnavailableException",
            "PolicyNotFoundException",
            "ReplicaAlreadyExistsException",
            "ReplicaNotFoundException",
            "ReplicatedWriteConflictException",
            "ResourceInUseException",
            "ResourceNotFoundException",
            "TableAlreadyExistsException",
            "TableInUseException",
            "TableNotFoundException",
            "TransactionConflictException",
        ),
        ("message",),
    ),
    "ConditionalCheckFailedException": ("message", "Item"),
    "IdempotentParameterMismatchException": ("Message",),
    "ProvisionedThroughputExceededException": ("message", "ThrottlingReasons"),
    "RequestLimitExceeded": ("message", "ThrottlingReasons"),
    "ThrottlingException": ("message", "throttlingReasons"),
    "TransactionCanceledException": ("Message", "CancellationReasons"),
    "TransactionInProgressException": ("Message",),
}

#: Members botocore fills with a new UUID when the caller leaves them out, so that retries are idempotent.
_IDEMPOTENCY_TOKENS = {
    "TransactWriteItems": "ClientRequestToken",
    "ExecuteTransaction": "ClientRequestToken",
    "ExportTableToPointInTime": "ClientToken",
    "ImportTable": "ClientToken",
    "StartBulkPutItems": "ClientToken",
}

#: DescribeTable's timestamp members (all of them, and no other member of its output bears these names).
_TIMESTAMP_MEMBERS = frozenset(
    {
        "ArchivalDateTime",
        "CreationDateTime",
        "InaccessibleEncryptionDateTime",
        "LastDecreaseDateTime",
        "LastIncreaseDateTime",
        "LastUpdateDateTime",
        "LastUpdateToPayPerRequestDateTime",
        "ReplicaInaccessibleDateTime",
        "RestoreDateTime",
    }
)


def endpoint_for(region: str, endpoint_url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The URL DynamoDB is reached at, chosen as botocore chooses it.

    ``endpoint_url`` when given; else ``AWS_ENDPOINT_URL_DYNAMODB``, then ``AWS_ENDPOINT_URL`` (unless
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` is true); else the regional endpoint of ``region``'s partition.
    """
    if endpoint_url:
        return endpoint_url
    env = os.environ if environ is None else environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        configured = env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL")
        if configured:
            return configured
    if region == "local":
        return "http://localhost:8000"
    suffix = next((suffix for prefix, suffix in _PARTITION_SUFFIXES if region.startswith(prefix)), "amazonaws.com")
    return f"https://dynamodb.{region}.{suffix}"


def _uuid4() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` makes it."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _json_default(value: object) -> object:
    """Binary values as base64 text and sets as lists, as botocore serialises them; anything else is refused."""
    if isinstance(value, bytes | bytearray | memoryview):
        return binascii.b2a_base64(value, newline=False).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _binary_values(obj: dict[str, Any]) -> dict[str, Any]:
    """A decoded JSON object, with ``B``/``BS`` attribute values turned into bytes.

    An attribute value is the only object of DynamoDB's answers made of the single key ``B`` with a string, or
    ``BS`` with a list of strings: an item's attribute named ``B`` holds an object, a table named ``BS`` a list
    of objects (an empty list decodes to itself either way).
    """
    if len(obj) == 1:
        try:
            value = obj.get("B")
            if type(value) is str:
                return {"B": binascii.a2b_base64(value)}
            values = obj.get("BS")
            if type(values) is list and all(type(member) is str for member in values):
                return {"BS": [binascii.a2b_base64(member) for member in values]}
        except ValueError:
            # Not base64 (binascii.Error is a ValueError): no attribute value, so left as it is.
            return obj
    return obj


def _timestamp(value: Any) -> Any:
    """A time of DescribeTable's answer (seconds since the epoch) as an aware datetime, as botocore parses it."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return value


def _timestamps(obj: dict[str, Any]) -> dict[str, Any]:
    """A decoded JSON object of DescribeTable's answer, with its times parsed."""
    for name in _TIMESTAMP_MEMBERS.intersection(obj):
        obj[name] = _timestamp(obj[name])
    return obj


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_json_default)
_PLAIN_DECODER = json.JSONDecoder()
_BINARY_DECODER = json.JSONDecoder(object_hook=_binary_values)
_TIMESTAMP_DECODER = json.JSONDecoder(object_hook=_timestamps)


def _document(body: bytes, operation: str) -> Any:
    """The JSON body of an answer, decoded as botocore parses it; ``{"message": <text>}`` when it is not JSON."""
    if not body:
        return {}
    text = body.decode("utf-8", errors="replace")
    if operation == "DescribeTable":
        decoder = _TIMESTAMP_DECODER
    elif b'"B"' in body or b'"BS"' in body:
        decoder = _BINARY_DECODER
    else:
        decoder = _PLAIN_DECODER
    try:
        return decoder.decode(text)
    except json.JSONDecodeError:
        return {"message": text}


class _Reply(NamedTuple):
    """One HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


class _Attempt(NamedTuple):
    """How one attempt ended: an answer (parsed, checksum checked) or a network failure."""

    reply: _Reply | None
    parsed: dict[str, Any] | None
    failure: Exception | None
    intact: bool


def _checksum_matches(reply: _Reply) -> bool:
    """Whether the body matches its ``x-amz-crc32`` header (true when there is none)."""
    expected = reply.headers.get("x-amz-crc32")
    if expected is None:
        return True
    return expected.isdigit() and int(expected) == zlib.crc32(reply.body)


def _is_generic_error(reply: _Reply) -> bool:
    """A 5xx answer that is no DynamoDB error (empty, or an HTML page from something in between)."""
    if reply.status < 500:
        return False
    body = reply.body.strip()
    return not body or body.startswith(b"<html>")


def _error_response(reply: _Reply, document: Any) -> dict[str, Any]:
    """botocore's parsed error: ``Error`` (code after the ``#`` of ``__type``, message) and the modelled members."""
    if _is_generic_error(reply):
        return {"Error": {"Code": str(reply.status), "Message": http.client.responses.get(reply.status, "")}}
    body: dict[str, Any] = document if isinstance(document, dict) else {}
    code = body.get("__type", str(reply.status))
    error: dict[str, Any] = {"Message": body.get("message", body.get("Message", "")), "Code": ""}
    if code is not None:
        code = str(code)
        if ":" in code:
            code = code.split(":", 1)[0]
        if "#" in code:
            code = code.rsplit("#", 1)[1]
        query_error = reply.headers.get("x-amzn-query-error")
        if query_error is not None:
            parts = query_error.split(";")
            if len(parts) == 2 and parts[0]:
                error["QueryErrorCode"] = code
                error["Type"] = parts[1]
                code = parts[0]
        error["Code"] = code
    parsed: dict[str, Any] = {"Error": error}
    for name in _ERROR_MEMBERS.get(error["Code"], ()):
        value = body.get(name)
        if value is not None:
            parsed[name] = value
    return parsed


def _parse(operation: str, spec: _Operation, reply: _Reply) -> dict[str, Any]:
    """The answer as botocore returns it (or puts in ``ClientError.response``), ``ResponseMetadata`` included."""
    document = None if _is_generic_error(reply) else _document(reply.body, operation)
    metadata: dict[str, Any] = {}
    if reply.status >= 300:
        parsed = _error_response(reply, document)
    elif isinstance(document, dict):
        outputs = spec.outputs
        if outputs is None:
            parsed = {name: value for name, value in document.items() if value is not None}
        else:
            parsed = {name: value for name, value in document.items() if name in outputs and value is not None}
    else:
        parsed = {}
    request_id = reply.headers.get("x-amzn-requestid")
    if request_id is not None and document is not None:
        metadata["RequestId"] = request_id
    metadata["HTTPStatusCode"] = reply.status
    metadata["HTTPHeaders"] = reply.headers
    parsed["ResponseMetadata"] = metadata
    return parsed


def _is_readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: its peer closed it (or sent what nobody asked for)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


class _RetryQuota:
    """botocore's retry quota: retries draw on a shared capacity that successful calls give back."""

    def __init__(self, capacity: int = _QUOTA_CAPACITY) -> None:
        self._max = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` for a retry; False (and nothing taken) when not that much is left."""
        with self._lock:
            if amount > self.available:
                return False
            self.available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back ``amount``, never beyond the initial capacity."""
        if self.available == self._max:
            return
        with self._lock:
            self.available += min(self._max - self.available, amount)


class _ThreadConnection(threading.local):
    """Each thread's kept-alive connection, None until its first call or after a failure."""

    connection: http.client.HTTPConnection | None = None


class LeanDynamoDB:
    """A DynamoDB client with botocore's low-level call surface for the operations the function uses."""

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None,
        credentials: Credentials,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        user_agent: str,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random.random,
    ) -> None:
        """Reach DynamoDB in ``region`` (at ``endpoint_url`` or the one :func:`endpoint_for` finds).

        Nothing is connected until the first call. ``sleep`` and ``random`` are the backoff's clock and jitter.
        """
        self.endpoint_url = endpoint_for(region, endpoint_url, environ)
        self._environ = os.environ if environ is None else environ
        self._in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in self._environ
        parts = urlsplit(self.endpoint_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"invalid DynamoDB endpoint {self.endpoint_url!r}: expected http(s)://host[:port]")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or _DEFAULT_PORTS[parts.scheme]
        host_header = f"[{self._host}]" if ":" in self._host else self._host
        if self._port != _DEFAULT_PORTS[parts.scheme]:
            host_header = f"{host_header}:{self._port}"
        self._path = parts.path or "/"
        self._url = f"{parts.scheme}://{host_header}{self._path}"
        self._host_header = host_header
        self._region = "us-east-1" if region == "local" else region
        self._signer = Signer(credentials, self._region)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_attempts = max_attempts
        self._user_agent = user_agent
        self._sleep = sleep
        self._random = random
        self._quota = _RetryQuota()
        self._local = _ThreadConnection()
        self._tls_context: ssl.SSLContext | None = None
        self._signed_headers: dict[str, dict[str, str]] = {}

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run ``operation`` (DynamoDB's name: ``"PutItem"``) with botocore's ``params``; its parsed response.

        Raises :class:`DynamoDBError` when DynamoDB answers with an error and :class:`DynamoDBUnreachable` when it
        gives no (intact) answer, each after the retries botocore's standard mode would make.
        """
        token = _IDEMPOTENCY_TOKENS.get(operation)
        if token is not None and token not in params:
            params = {**params, token: _uuid4()}
        body = _ENCODER.encode(params).encode()
        signed = self._signed_headers.get(operation) or self._operation_headers(operation)
        spec = _OPERATIONS.get(operation, _OTHER_OPERATION)
        attempt, retry_cost = 1, 0
        while True:
            outcome = self._attempt(operation, spec, signed, body)
            retry = self._retry(outcome, spec, attempt)
            if retry is None:
                break
            delay, retry_cost = retry
            self._sleep(delay)
            attempt += 1
        return self._result(operation, outcome, attempt, retry_cost)

    def use_credentials(self, credentials: Credentials) -> None:
        """Sign every later call with ``credentials`` (new ones after a SnapStart restore, say)."""
        self._signer = Signer(credentials, self._region)

    def close(self) -> None:
        """Close the calling thread's connection; the next call opens a new one."""
        connection = self._local.connection
        self._local.connection = None
        if connection is not None:
            connection.close()

    def get_item(self, **params: Any) -> dict[str, Any]:
        """GetItem, as botocore's ``client.get_item``."""
        return self.call("GetItem", params)

    def put_item(self, **params: Any) -> dict[str, Any]:
        """PutItem, as botocore's ``client.put_item``."""
        return self.call("PutItem", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        """UpdateItem, as botocore's ``client.update_item``."""
        return self.call("UpdateItem", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        """DeleteItem, as botocore's ``client.delete_item``."""
        return self.call("DeleteItem", params)

    def query(self, **params: Any) -> dict[str, Any]:
        """Query, as botocore's ``client.query``."""
        return self.call("Query", params)

    def scan(self, **params: Any) -> dict[str, Any]:
        """Scan, as botocore's ``client.scan``."""
        return self.call("Scan", params)

    def batch_get_item(self, **params: Any) -> dict[str, Any]:
        """BatchGetItem, as botocore's ``client.batch_get_item``."""
        return self.call("BatchGetItem", params)

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        """BatchWriteItem, as botocore's ``client.batch_write_item``."""
        return self.call("BatchWriteItem", params)

    def transact_get_items(self, **params: Any) -> dict[str, Any]:
        """TransactGetItems, as botocore's ``client.transact_get_items``."""
        return self.call("TransactGetItems", params)

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        """TransactWriteItems, as botocore's ``client.transact_write_items``."""
        return self.call("TransactWriteItems", params)

    def describe_table(self, **params: Any) -> dict[str, Any]:
        """DescribeTable, as botocore's ``client.describe_table``."""
        return self.call("DescribeTable", params)

    def _operation_headers(self, operation: str) -> dict[str, str]:
        """The signed headers of ``operation``'s requests, built once per operation."""
        headers = {"Host": self._host_header, "Content-Type": _CONTENT_TYPE, "X-Amz-Target": _TARGET_PREFIX + operation}
        self._signed_headers[operation] = headers
        return headers

    def _attempt(self, operation: str, spec: _Operation, signed: dict[str, str], body: bytes) -> _Attempt:
        """One signed attempt: the answer parsed, or the network failure that stopped it."""
        headers = {
            **signed,
            "User-Agent": self._user_agent,
            "Accept-Encoding": "identity",
            "Content-Length": str(len(body)),
            **self._signer.sign("POST", self._url, signed, body),
        }
        trace_id = self._environ.get("_X_AMZN_TRACE_ID") if self._in_lambda else None
        if trace_id:
            # X-Ray's trace header, as botocore propagates it (unsigned, as botocore leaves it).
            headers["X-Amzn-Trace-Id"] = quote(trace_id, safe=_TRACE_ID_SAFE)
        try:
            reply = self._send(headers, body)
        except _NETWORK_ERRORS as exc:
            return _Attempt(None, None, exc, intact=True)
        return _Attempt(reply, _parse(operation, spec, reply), None, _checksum_matches(reply))

    def _retry(self, outcome: _Attempt, spec: _Operation, attempt: int) -> tuple[float, int] | None:
        """The wait before another attempt and the quota it took; None (noted in the metadata) for no retry."""
        metadata: dict[str, Any] = outcome.parsed["ResponseMetadata"] if outcome.parsed is not None else {}
        if attempt >= self._max_attempts:
            metadata["MaxAttemptsReached"] = True
            return None
        throttling = _retry_kind(spec, outcome.reply, outcome.parsed, outcome.intact)
        if throttling is None:
            return None
        cost = _THROTTLING_RETRY_COST if throttling else _RETRY_COST
        if not self._quota.acquire(cost):
            metadata["RetryQuotaReached"] = True
            return None
        return self._delay(attempt, throttling, outcome.reply), cost

    def _result(self, operation: str, outcome: _Attempt, attempt: int, retry_cost: int) -> dict[str, Any]:
        """The last attempt's answer, or the failure it is: a success gives the retry quota back."""
        reply, parsed = outcome.reply, outcome.parsed
        if reply is None or parsed is None:
            failure = outcome.failure
            raise DynamoDBUnreachable(
                f"DynamoDB at {self.endpoint_url} did not answer {operation} in {attempt} attempt(s): {failure!r}"
            ) from failure
        parsed["ResponseMetadata"]["RetryAttempts"] = attempt - 1
        if 200 <= reply.status < 300:
            self._quota.release(retry_cost or _NO_RETRY_INCREMENT)
        if not outcome.intact:
            raise DynamoDBUnreachable(
                f"DynamoDB's answer to {operation} failed its CRC32 check in {attempt} attempt(s)"
            )
        if reply.status >= 300:
            error = parsed["Error"]
            raise DynamoDBError(str(error["Code"]), str(error["Message"]), parsed)
        return parsed

    def _delay(self, attempt: int, throttling: bool, reply: _Reply | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: full jitter, raised towards ``x-amz-retry-after``."""
        scale = _THROTTLING_SCALE if throttling else _TRANSIENT_SCALE
        delay: float = self._random() * min(scale * 2 ** (attempt - 1), _MAX_BACKOFF)
        retry_after = _retry_after(reply)
        if retry_after is not None:
            return max(delay, min(retry_after, _RETRY_AFTER_MAX_EXTRA + delay))
        return delay

    def _send(self, headers: Mapping[str, str], body: bytes) -> _Reply:
        """One request on this thread's kept-alive connection, replaced once if the server had closed it."""
        connection = self._local.connection
        if connection is not None:
            sock = connection.sock
            if sock is not None and not _is_readable(sock):
                try:
                    return self._exchange(connection, headers, body)
                except _STALE_CONNECTION_ERRORS:
                    pass  # Closed by the server as the request left: sent once more, on a new connection.
            self.close()
        return self._exchange(self._connect(), headers, body)

    def _exchange(self, connection: http.client.HTTPConnection, headers: Mapping[str, str], body: bytes) -> _Reply:
        """Send the request and read the whole answer; any failure closes the connection."""
        try:
            connection.request("POST", self._path, body, headers)
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return _Reply(response.status, {name.lower(): value for name, value in response.getheaders()}, data)

    def _connect(self) -> http.client.HTTPConnection:
        """A new connection for this thread: connected within the connect timeout, then read with the read timeout."""
        connection: http.client.HTTPConnection
        if self._tls:
            connection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self._connect_timeout, context=self._ssl_context()
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._connect_timeout)
        try:
            connection.connect()
            connection.sock.settimeout(self._read_timeout)
            connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        except BaseException:
            connection.close()
            raise
        self._local.connection = connection
        return connection

    def _ssl_context(self) -> ssl.SSLContext:
        """The TLS context (certificates always verified), made at the first HTTPS connection."""
        if self._tls_context is None:
            import ssl

            self._tls_context = ssl.create_default_context()
        return self._tls_context


def _retry_kind(spec: _Operation, reply: _Reply | None, parsed: dict[str, Any] | None, intact: bool) -> bool | None:
    """None when botocore's standard mode would not retry this outcome; else whether it counts as throttling."""
    if reply is None:
        return False
    error = parsed.get("Error") if parsed is not None else None
    code = error.get("Code") if isinstance(error, dict) else None
    if code in _THROTTLING_CODES:
        return True
    if code == _MODELED_RETRYABLE and code in spec.errors:
        return False
    if reply.status == _THROTTLING_STATUS and code not in spec.errors:
        return True
    if code in _TRANSIENT_CODES or reply.status in _TRANSIENT_STATUSES or not intact:
        return False
    return None


def _retry_after(reply: _Reply | None) -> float | None:
    """The ``x-amz-retry-after`` header in seconds; None when absent or not a non-negative integer of ms."""
    if reply is None:
        return None
    value = reply.headers.get(_RETRY_AFTER_HEADER)
    if value is None:
        return None
    try:
        seconds = int(value) / 1000.0
    except (ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None
