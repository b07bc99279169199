"""The lean DynamoDB client against a canned DynamoDB on loopback, checked against botocore on the same answers."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamodbmanager.store.failures import DynamoDBError, DynamoDBUnreachable
from dynamodbmanager.store.lean import LeanDynamoDB, endpoint_for
from dynamodbmanager.store.sigv4 import Credentials

REQUEST_ID = "EXAMPLE0REQUEST0ID"
KEY = {"pk": {"S": "a"}, "sk": {"B": b"\x00\x01"}}


@dataclass
class Canned:
    """One answer of the fake DynamoDB, or a way of not answering."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    #: Send ``x-amz-crc32`` (the right value unless ``bad_crc``).
    crc: bool = True
    bad_crc: bool = False
    #: Seconds to wait before answering.
    delay: float = 0.0
    #: Close the connection without answering.
    drop: bool = False
    #: Close the connection after answering, without saying so (as a server ending an idle keep-alive does).
    close_after: bool = False


@dataclass
class Received:
    """One request as the fake DynamoDB read it; ``peer`` tells its TCP connection apart."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int]


def error_body(code: str, message: str, **members: Any) -> bytes:
    """An error body as DynamoDB sends it."""
    return json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **members}).encode()


class FakeDynamoDB:
    """Answers each request with the next canned answer (``200 {}`` when none is left) and records it."""

    def __init__(self) -> None:
        self.replies: deque[Canned] = deque()
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The fake's endpoint URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def queue(self, *replies: Canned) -> None:
        """Answer the next requests with ``replies``, in order."""
        self.replies.extend(replies)

    def next_reply(self, received: Received) -> Canned:
        """Record ``received`` and pick its answer."""
        with self.lock:
            self.requests.append(received)
            return self.replies.popleft() if self.replies else Canned()

    def reset(self) -> None:
        """Forget the answers and requests of the previous test."""
        self.replies.clear()
        self.requests.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeDynamoDB

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections the client gave up on (timeouts) are expected here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    # Headers and body leave in one write, as a real server sends them (no Nagle/delayed-ACK stall).
    wbufsize = 1 << 16
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received = Received(
            self.command,
            self.path,
            {name.lower(): value for name, value in self.headers.items()},
            body,
            self.client_address,
        )
        reply = self.server.fake.next_reply(received)
        if reply.drop:
            self.close_connection = True
            return
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-RequestId", REQUEST_ID)
        if reply.crc:
            self.send_header("x-amz-crc32", str(zlib.crc32(reply.body) ^ (1 if reply.bad_crc else 0)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        if reply.close_after:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[FakeDynamoDB]:
    """The fake DynamoDB on a free loopback port for the module, shut down at its end."""
    fake = FakeDynamoDB()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(timeout=5)


@pytest.fixture
def fake(server: FakeDynamoDB) -> FakeDynamoDB:
    """The module's fake DynamoDB, with no answer queued and no request recorded."""
    server.reset()
    return server


@dataclass
class Sleeps:
    """An injected ``sleep`` that records what it is asked to wait."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """The backoffs asked for, none actually waited."""
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Iterator[Callable[..., LeanDynamoDB]]:
    """Build lean clients (to the fake by default, half jitter, no real sleep), closed at the end of the test."""
    made: list[LeanDynamoDB] = []

    def make(url: str, **overrides: Any) -> LeanDynamoDB:
        options: dict[str, Any] = {
            "region": "us-east-1",
            "endpoint_url": url,
            "credentials": Credentials("testing", "testing"),
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_attempts": 3,
            "user_agent": "dynamodbmanager/test",
            "sleep": sleeps,
            "random": lambda: 0.5,
        }
        options.update(overrides)
        client = LeanDynamoDB(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(scope="module")
def botocore_client(server: FakeDynamoDB) -> Iterator[Any]:
    """botocore's client of the fake, configured as the service configures it, with one attempt."""
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False),
    )
    try:
        yield client
    finally:
        client.close()


def botocore_outcome(client: Any, operation: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What botocore's client makes of the fake's answer to ``operation``: its response or its error's."""
    from botocore.exceptions import ClientError

    try:
        return "ok", getattr(client, operation)(**params)
    except ClientError as exc:
        return "error", exc.response


def lean_outcome(client: LeanDynamoDB, operation: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The lean client's answer, or its error's ``response``."""
    try:
        return "ok", getattr(client, operation)(**params)
    except DynamoDBError as exc:
        return "error", exc.response


def without_date(outcome: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """``outcome`` without the ``Date`` and ``Server`` headers, which differ between two answers."""
    kind, response = outcome
    metadata = dict(response["ResponseMetadata"])
    metadata["HTTPHeaders"] = {k: v for k, v in metadata["HTTPHeaders"].items() if k not in ("date", "server")}
    return kind, {**response, "ResponseMetadata": metadata}


Parity = Callable[[str, dict[str, Any], Canned], tuple[str, dict[str, Any]]]


@pytest.fixture
def parity(fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], botocore_client: Any) -> Parity:
    """Check that the lean client (one attempt) parses an answer exactly as botocore does, ``ResponseMetadata``
    included; the check returns the lean client's outcome."""

    def check(operation: str, params: dict[str, Any], reply: Canned) -> tuple[str, dict[str, Any]]:
        fake.queue(reply)
        expected = botocore_outcome(botocore_client, operation, params)
        fake.queue(reply)
        actual = lean_outcome(make_client(fake.url, max_attempts=1), operation, params)
        assert without_date(actual) == without_date(expected)
        return actual

    return check


def b64(data: bytes) -> str:
    """Base64 text as DynamoDB writes binary values."""
    return base64.b64encode(data).decode()


# Requests


def test_request_has_dynamodbs_shape_and_botocores_body(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    from botocore.serialize import create_serializer
    from botocore.session import get_session

    params: dict[str, Any] = {
        "TableName": "t",
        "Item": {
            **KEY,
            "B": {"M": {"B": {"B": b"\xff"}, "BS": {"BS": [b"1", b"\x00"]}, "S": {"S": "é"}}},
            "L": {"L": [{"B": b"x"}, {"NULL": True}, {"BOOL": False}, {"NS": ["1", "2.5"]}, {"SS": ["a"]}]},
            "n": {"N": "1.50"},
        },
        "ConditionExpression": "attribute_not_exists(pk) OR b = :b",
        "ExpressionAttributeValues": {":b": {"BS": [b"\x01"]}},
    }
    make_client(fake.url).put_item(**params)

    [request] = fake.requests
    assert (request.method, request.path) == ("POST", "/")
    assert request.headers["x-amz-target"] == "DynamoDB_20120810.PutItem"
    assert request.headers["content-type"] == "application/x-amz-json-1.0"
    assert request.headers["host"] == fake.url.removeprefix("http://")
    assert request.headers["user-agent"] == "dynamodbmanager/test"
    assert request.headers["accept-encoding"] == "identity"
    assert int(request.headers["content-length"]) == len(request.body)
    assert b" " not in request.body.replace(b"attribute_not_exists(pk) OR b = :b", b"")
    sent = json.loads(request.body)
    assert sent["Item"]["sk"] == {"B": b64(b"\x00\x01")}
    assert sent["Item"]["B"]["M"]["B"] == {"B": b64(b"\xff")}
    assert sent["Item"]["B"]["M"]["BS"] == {"BS": [b64(b"1"), b64(b"\x00")]}
    assert sent["Item"]["L"]["L"][0] == {"B": b64(b"x")}
    assert sent["ExpressionAttributeValues"] == {":b": {"BS": [b64(b"\x01")]}}
    model = get_session().get_service_model("dynamodb").operation_model("PutItem")
    botocore_body = create_serializer("json", include_validation=False).serialize_to_request(params, model)["body"]
    assert sent == json.loads(botocore_body)


@pytest.mark.parametrize(
    ("operation", "params", "path"),
    [
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Put": {"TableName": "t", "Item": {**KEY}}},
                    {"Delete": {"TableName": "t", "Key": KEY}},
                ]
            },
            ("TransactItems", 1, "Delete", "Key", "sk"),
        ),
        ("batch_get_item", {"RequestItems": {"t": {"Keys": [KEY]}}}, ("RequestItems", "t", "Keys", 0, "sk")),
        (
            "batch_write_item",
            {"RequestItems": {"t": [{"DeleteRequest": {"Key": KEY}}]}},
            ("RequestItems", "t", 0, "DeleteRequest", "Key", "sk"),
        ),
        ("query", {"TableName": "t", "ExclusiveStartKey": KEY}, ("ExclusiveStartKey", "sk")),
    ],
)
def test_binary_values_are_sent_in_base64_wherever_they_are(
    fake: FakeDynamoDB,
    make_client: Callable[..., LeanDynamoDB],
    operation: str,
    params: dict[str, Any],
    path: tuple[str | int, ...],
) -> None:
    getattr(make_client(fake.url), operation)(**params)
    value: Any = json.loads(fake.requests[0].body)
    for step in path:
        value = value[step]
    assert value == {"B": b64(b"\x00\x01")}


def test_sets_are_sent_as_lists_and_other_objects_refused(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    client = make_client(fake.url)
    client.put_item(TableName="t", Item={"pk": {"SS": {"a"}}, "b": {"BS": frozenset({b"z"})}})
    assert json.loads(fake.requests[0].body)["Item"] == {"pk": {"SS": ["a"]}, "b": {"BS": [b64(b"z")]}}
    from decimal import Decimal

    with pytest.raises(TypeError, match="Decimal"):
        client.put_item(TableName="t", Item={"n": {"N": Decimal(1)}})


def test_transactions_get_one_idempotency_token_for_all_their_attempts(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    import uuid

    params: dict[str, Any] = {"TransactItems": [{"ConditionCheck": {"TableName": "t", "Key": KEY}}]}
    fake.queue(Canned(status=500, body=b""), Canned())
    make_client(fake.url).transact_write_items(**params)
    tokens = [json.loads(request.body)["ClientRequestToken"] for request in fake.requests]
    assert tokens[0] == tokens[1]
    assert uuid.UUID(tokens[0]).version == 4
    assert str(uuid.UUID(tokens[0])) == tokens[0]
    assert "ClientRequestToken" not in params
    make_client(fake.url).transact_write_items(**params, ClientRequestToken="mine")
    assert json.loads(fake.requests[-1].body)["ClientRequestToken"] == "mine"


@pytest.mark.parametrize("token", [None, "session-token"])
def test_signature_is_the_one_botocore_computes_for_the_received_request(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], token: str | None
) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    client = make_client(fake.url, region="eu-west-1", credentials=Credentials("AKIDEXAMPLE", "secret", token))
    client.get_item(TableName="t", Key=KEY)

    [request] = fake.requests
    authorization = request.headers["authorization"]
    signed_names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "x-amz-target", "content-type"} <= set(signed_names)
    assert ("x-amz-security-token" in signed_names) == (token is not None)
    assert request.headers.get("x-amz-security-token") == token
    signed = AWSRequest(
        method=request.method,
        url=f"http://{request.headers['host']}{request.path}",
        data=request.body,
        headers={name: request.headers[name] for name in signed_names},
    )
    signed.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(BotocoreCredentials("AKIDEXAMPLE", "secret", token), "dynamodb", "eu-west-1")
    signature = signer.signature(signer.string_to_sign(signed, signer.canonical_request(signed)), signed)
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert authorization.endswith(f"Signature={signature}")


# Responses


def test_binary_values_come_back_as_bytes_where_botocore_decodes_them(parity: Parity) -> None:
    # Attribute names, index and table names that look like type tags must be left alone.
    item = {
        "B": {"M": {"B": {"S": "AAE="}, "BS": {"L": [{"B": b64(b"\x02")}]}, "S": {"B": b64(b"\x03")}}},
        "BS": {"BS": [b64(b"\x04"), b64(b"\x05")]},
        "S": {"S": "B"},
        "N": {"N": "1.50"},
        "L": {"L": [{"B": b64(b"\x06")}, {"NULL": True}, {"BOOL": True}, {"NS": ["1", "-2.5"]}, {"SS": ["BS"]}]},
    }
    body = {
        "Responses": {"B": [item], "BS": [], "t": [{"B": {"B": b64(b"\x07")}}]},
        "UnprocessedKeys": {"BS": {"Keys": [{"pk": {"BS": [b64(b"\x08")]}}]}},
        "ConsumedCapacity": [{"TableName": "B", "CapacityUnits": 1.0, "GlobalSecondaryIndexes": {"B": {}}}],
        "Unmodelled": {"B": "kept out"},
    }
    _, response = parity("batch_get_item", {"RequestItems": {}}, Canned(body=json.dumps(body).encode()))
    assert response["Responses"]["B"][0]["BS"] == {"BS": [b"\x04", b"\x05"]}
    assert response["Responses"]["B"][0]["B"]["M"]["B"] == {"S": "AAE="}
    assert response["Responses"]["t"] == [{"B": {"B": b"\x07"}}]
    assert "Unmodelled" not in response


def test_describe_table_times_are_datetimes(parity: Parity) -> None:
    body = {
        "Table": {
            "TableName": "B",
            "CreationDateTime": 1700000000.25,
            "AttributeDefinitions": [{"AttributeName": "B", "AttributeType": "B"}],
            "ProvisionedThroughput": {"LastIncreaseDateTime": 1700000001, "ReadCapacityUnits": 1},
            "GlobalSecondaryIndexes": [{"IndexName": "BBB", "ProvisionedThroughput": {"LastDecreaseDateTime": 2}}],
        }
    }
    _, response = parity("describe_table", {"TableName": "B"}, Canned(body=json.dumps(body).encode()))
    assert response["Table"]["CreationDateTime"].timestamp() == 1700000000.25


def test_response_metadata(fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]) -> None:
    response = make_client(fake.url).get_item(TableName="t", Key=KEY)
    metadata = response.pop("ResponseMetadata")
    assert response == {}
    assert metadata["RequestId"] == REQUEST_ID
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["RetryAttempts"] == 0
    assert metadata["HTTPHeaders"]["x-amzn-requestid"] == REQUEST_ID


_NAMES = st.sampled_from(["B", "BS", "S", "N", "M", "L", "NULL", "BOOL", "SS", "NS", "Item"]) | st.text(max_size=4)
_NUMBERS = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,4})?", fullmatch=True)
_SCALARS = st.one_of(
    st.builds(lambda text: {"S": text}, st.text(max_size=8)),
    st.builds(lambda number: {"N": number}, _NUMBERS),
    st.builds(lambda data: {"B": data}, st.binary(max_size=8)),
    st.just({"NULL": True}),
    st.builds(lambda flag: {"BOOL": flag}, st.booleans()),
    st.builds(lambda texts: {"SS": texts}, st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True)),
    st.builds(lambda numbers: {"NS": numbers}, st.lists(_NUMBERS, min_size=1, max_size=3, unique=True)),
    st.builds(lambda blobs: {"BS": blobs}, st.lists(st.binary(max_size=4), min_size=1, max_size=3, unique=True)),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.builds(lambda values: {"L": values}, st.lists(inner, max_size=3))
        | st.builds(lambda members: {"M": members}, st.dictionaries(_NAMES, inner, max_size=3))
    ),
    max_leaves=12,
)
_ITEMS = st.dictionaries(_NAMES, _VALUES, max_size=5)


def _wire(value: Any) -> Any:
    """A typed value as DynamoDB's JSON carries it: bytes in base64."""
    if isinstance(value, bytes):
        return b64(value)
    if isinstance(value, dict):
        return {name: _wire(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_wire(member) for member in value]
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item=_ITEMS)
def test_any_item_goes_and_comes_back_as_botocore_sends_and_parses_it(
    server: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], botocore_client: Any, item: dict[str, Any]
) -> None:
    server.reset()
    client = make_client(server.url)
    client.put_item(TableName="t", Item=item)
    assert json.loads(server.requests[0].body) == {"TableName": "t", "Item": _wire(item)}

    reply = Canned(body=json.dumps({"Item": _wire(item)}).encode())
    server.queue(reply, reply)
    actual = client.get_item(TableName="t", Key={})
    _, expected = botocore_outcome(botocore_client, "get_item", {"TableName": "t", "Key": {}})
    actual.pop("ResponseMetadata")
    expected.pop("ResponseMetadata")
    assert actual == expected == {"Item": item}


# Errors


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (
            Canned(status=400, body=error_body("ValidationException", "One or more parameter values were invalid")),
            "ValidationException",
        ),
        (
            Canned(
                status=400,
                body=error_body("ConditionalCheckFailedException", "The conditional request failed", Item=_wire(KEY)),
            ),
            "ConditionalCheckFailedException",
        ),
        (
            Canned(
                status=400,
                body=json.dumps(
                    {
                        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                        "Message": "Transaction cancelled [None, ConditionalCheckFailed]",
                        "CancellationReasons": [
                            {"Code": "None"},
                            {"Code": "ConditionalCheckFailed", "Message": "failed", "Item": _wire({**KEY})},
                        ],
                    }
                ).encode(),
            ),
            "TransactionCanceledException",
        ),
        (
            Canned(status=400, body=error_body("ResourceNotFoundException", "Requested resource not found")),
            "ResourceNotFoundException",
        ),
        (Canned(status=400, body=b'{"__type":"UnknownOperationException"}'), "UnknownOperationException"),
        (Canned(status=403, body=b"Forbidden, not JSON"), "403"),
        (Canned(status=413, body=b""), "413"),
    ],
)
def test_errors_are_raised_at_once_with_botocores_response(
    fake: FakeDynamoDB,
    make_client: Callable[..., LeanDynamoDB],
    parity: Parity,
    reply: Canned,
    code: str,
) -> None:
    kind, response = parity("transact_write_items", {"TransactItems": []}, reply)
    assert kind == "error"
    assert response["Error"]["Code"] == code
    fake.reset()
    fake.queue(reply)
    with pytest.raises(DynamoDBError) as raised:
        make_client(fake.url).transact_write_items(TransactItems=[])
    assert (raised.value.code, raised.value.message) == (code, response["Error"]["Message"])
    assert len(fake.requests) == 1


def test_failed_condition_carries_the_item_with_bytes(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    fake.queue(Canned(status=400, body=error_body("ConditionalCheckFailedException", "failed", Item=_wire({**KEY}))))
    with pytest.raises(DynamoDBError) as raised:
        make_client(fake.url).put_item(TableName="t", Item=KEY, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    response = raised.value.response
    assert response["Item"] == KEY
    assert response["Error"] == {"Code": "ConditionalCheckFailedException", "Message": "failed"}
    assert response["message"] == "failed"


def test_an_html_5xx_is_an_error_named_by_its_status(parity: Parity) -> None:
    _, response = parity("get_item", {"TableName": "t", "Key": {}}, Canned(status=502, body=b"<html>bad gateway"))
    assert response["Error"] == {"Code": "502", "Message": "Bad Gateway"}
    assert "RequestId" not in response["ResponseMetadata"]


# Retries


def throttled(code: str = "ThrottlingException", **headers: str) -> Canned:
    """A throttling error."""
    return Canned(status=400, body=error_body(code, "slow down"), headers=headers)


def test_throttling_is_retried_until_success(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(throttled(), throttled("ProvisionedThroughputExceededException"), Canned(body=b'{"Item":{}}'))
    response = make_client(fake.url, max_attempts=3).get_item(TableName="t", Key=KEY)
    assert response["Item"] == {}
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert len(fake.requests) == 3
    # Throttling backs off from 1 s: random() * min(1 * 2 ** (attempt - 1), 20).
    assert sleeps.calls == [0.5, 1.0]
    assert all("authorization" in request.headers for request in fake.requests)


def test_attempts_are_bounded_by_max_attempts(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(*[throttled()] * 5)
    with pytest.raises(DynamoDBError) as raised:
        make_client(fake.url, max_attempts=2).get_item(TableName="t", Key=KEY)
    assert raised.value.code == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert raised.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert len(fake.requests) == 2
    assert sleeps.calls == [0.5]


def test_backoff_doubles_up_to_20_seconds(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(*[throttled()] * 7)
    with pytest.raises(DynamoDBError):
        make_client(fake.url, max_attempts=7, random=lambda: 1.0).get_item(TableName="t", Key=KEY)
    assert sleeps.calls == [1.0, 2.0, 4.0, 8.0, 16.0, 20.0]


def test_transient_errors_back_off_from_25_ms(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(
        Canned(status=500, body=error_body("InternalServerError", "oops")),
        Canned(status=503, body=b""),
        Canned(status=400, body=error_body("RequestTimeoutException", "late")),
        Canned(),
    )
    response = make_client(fake.url, max_attempts=4, random=lambda: 1.0).get_item(TableName="t", Key=KEY)
    assert response["ResponseMetadata"]["RetryAttempts"] == 3
    assert sleeps.calls == pytest.approx([0.025, 0.05, 0.1])


def test_429_retried_as_throttling_unless_modelled(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(Canned(status=429, body=b""), Canned())
    make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert sleeps.calls == [0.5]
    fake.queue(Canned(status=429, body=error_body("ResourceNotFoundException", "gone")))
    with pytest.raises(DynamoDBError, match="ResourceNotFoundException"):
        make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert sleeps.calls == [0.5]


def test_replicated_write_conflict_is_retried_for_the_operations_that_model_it(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    conflict = Canned(status=400, body=error_body("ReplicatedWriteConflictException", "conflict"))
    fake.queue(conflict, Canned())
    make_client(fake.url).put_item(TableName="t", Item=KEY)
    assert sleeps.calls == [0.5 * 0.025]
    fake.queue(conflict)
    with pytest.raises(DynamoDBError, match="ReplicatedWriteConflictException"):
        make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert len(sleeps.calls) == 1


def test_retry_after_header_raises_the_delay_by_at_most_5_seconds(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(throttled(**{"x-amz-retry-after": "3000"}), throttled(**{"x-amz-retry-after": "60000"}), Canned())
    make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert sleeps.calls == [3.0, 1.0 + 5.0]


def test_retry_quota_stops_retries_when_spent_and_refills_on_success(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    client = make_client(fake.url, max_attempts=2)
    failure = Canned(status=500, body=error_body("InternalServerError", "oops"))
    # 500 of capacity, 14 a retry: 35 retries leave 10, too little for the 36th.
    for _ in range(35):
        fake.queue(failure, failure)
        with pytest.raises(DynamoDBError):
            client.get_item(TableName="t", Key=KEY)
    fake.reset()
    fake.queue(failure)
    with pytest.raises(DynamoDBError) as raised:
        client.get_item(TableName="t", Key=KEY)
    assert raised.value.response["ResponseMetadata"]["RetryQuotaReached"] is True
    assert len(fake.requests) == 1
    # Throttling costs 5, which 10 still pays; four successes give back 4, enough for one more 14.
    fake.queue(throttled(), Canned())
    client.get_item(TableName="t", Key=KEY)
    for _ in range(4):
        client.get_item(TableName="t", Key=KEY)
    fake.reset()
    fake.queue(failure, Canned())
    assert client.get_item(TableName="t", Key=KEY)["ResponseMetadata"]["RetryAttempts"] == 1


def test_checksum_mismatch_is_retried(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(Canned(body=b'{"Item":{"a":{"S":"garbled"}}}', bad_crc=True), Canned(body=b'{"Item":{}}'))
    response = make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert response["Item"] == {}
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert sleeps.calls == [0.5 * 0.025]


def test_checksum_mismatch_on_every_attempt_is_unreachable(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    fake.queue(*[Canned(body=b'{"Item":{}}', bad_crc=True)] * 3)
    with pytest.raises(DynamoDBUnreachable, match="CRC32"):
        make_client(fake.url).get_item(TableName="t", Key=KEY)
    assert len(fake.requests) == 3


def test_an_answer_without_checksum_is_accepted(fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]) -> None:
    fake.queue(Canned(body=b'{"Count":0}', crc=False))
    assert make_client(fake.url).query(TableName="t")["Count"] == 0


# Connections


def test_calls_share_one_kept_alive_connection(fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]) -> None:
    client = make_client(fake.url)
    for _ in range(3):
        client.get_item(TableName="t", Key=KEY)
    assert len({request.peer for request in fake.requests}) == 1


def test_timeouts_are_set_for_connecting_then_reading(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB]
) -> None:
    client = make_client(fake.url, connect_timeout=0.7, read_timeout=1.3)
    client.get_item(TableName="t", Key=KEY)
    connection = client._local.connection
    assert connection is not None
    assert connection.timeout == 0.7
    assert connection.sock.gettimeout() == 1.3


def test_a_connection_the_server_closed_while_idle_is_replaced(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    client = make_client(fake.url, max_attempts=1)
    fake.queue(Canned(close_after=True))
    client.get_item(TableName="t", Key=KEY)
    time.sleep(0.1)
    assert client.get_item(TableName="t", Key=KEY)["ResponseMetadata"]["RetryAttempts"] == 0
    assert len(fake.requests) == 2
    assert fake.requests[0].peer != fake.requests[1].peer


def test_a_reused_connection_closed_under_the_request_is_replaced_without_using_an_attempt(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    client = make_client(fake.url, max_attempts=1)
    client.get_item(TableName="t", Key=KEY)
    fake.queue(Canned(drop=True))
    assert client.get_item(TableName="t", Key=KEY)["ResponseMetadata"]["RetryAttempts"] == 0
    peers = [request.peer for request in fake.requests]
    assert len(peers) == 3
    assert peers[0] == peers[1] != peers[2]
    assert sleeps.calls == []


def test_a_new_connection_closed_without_answer_uses_an_attempt(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    fake.queue(Canned(drop=True), Canned(drop=True))
    with pytest.raises(DynamoDBUnreachable):
        make_client(fake.url, max_attempts=2).get_item(TableName="t", Key=KEY)
    assert len(fake.requests) == 2
    assert sleeps.calls == [0.5 * 0.025]


def test_connection_refused_is_unreachable_after_max_attempts(
    make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DynamoDBUnreachable, match="3 attempt"):
        make_client(f"http://127.0.0.1:{port}", max_attempts=3).get_item(TableName="t", Key=KEY)
    assert sleeps.calls == [0.5 * 0.025, 0.5 * 0.05]


def test_read_timeout_is_honoured(fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], sleeps: Sleeps) -> None:
    fake.queue(Canned(delay=1.0), Canned(delay=1.0))
    started = time.monotonic()
    with pytest.raises(DynamoDBUnreachable, match="timed out"):
        make_client(fake.url, read_timeout=0.2, max_attempts=2).get_item(TableName="t", Key=KEY)
    assert time.monotonic() - started < 1.0
    assert len(fake.requests) == 2


def test_https_verifies_certificates(make_client: Callable[..., LeanDynamoDB]) -> None:
    import ssl

    client = make_client("https://127.0.0.1:1")
    context = client._ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


# Endpoints


@pytest.mark.parametrize(
    ("region", "endpoint_url", "environ", "expected"),
    [
        ("us-east-1", None, {}, "https://dynamodb.us-east-1.amazonaws.com"),
        ("eu-west-3", None, {}, "https://dynamodb.eu-west-3.amazonaws.com"),
        ("cn-north-1", None, {}, "https://dynamodb.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", None, {}, "https://dynamodb.us-gov-west-1.amazonaws.com"),
        ("us-iso-east-1", None, {}, "https://dynamodb.us-iso-east-1.c2s.ic.gov"),
        ("local", None, {}, "http://localhost:8000"),
        ("us-east-1", "http://127.0.0.1:5000", {"AWS_ENDPOINT_URL_DYNAMODB": "http://x:1"}, "http://127.0.0.1:5000"),
        (
            "us-east-1",
            None,
            {"AWS_ENDPOINT_URL_DYNAMODB": "http://d:1", "AWS_ENDPOINT_URL": "http://g:1"},
            "http://d:1",
        ),
        ("us-east-1", None, {"AWS_ENDPOINT_URL_DYNAMODB": "", "AWS_ENDPOINT_URL": "http://g:1"}, "http://g:1"),
        (
            "us-east-1",
            None,
            {"AWS_ENDPOINT_URL": "http://g:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True"},
            "https://dynamodb.us-east-1.amazonaws.com",
        ),
    ],
)
def test_endpoint_for(region: str, endpoint_url: str | None, environ: dict[str, str], expected: str) -> None:
    assert endpoint_for(region, endpoint_url, environ) == expected


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"AWS_ENDPOINT_URL": "http://global:1"},
        {"AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://dynamodb:2"},
        {"AWS_ENDPOINT_URL": "http://global:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
    ],
)
@pytest.mark.parametrize("region", ["us-east-1", "cn-northwest-1", "us-isob-east-1", "eusc-de-east-1"])
def test_endpoint_for_agrees_with_botocore(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, region: str, environ: dict[str, str]
) -> None:
    import botocore.session

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=region, aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert endpoint_for(region, None, environ) == client.meta.endpoint_url
    assert (
        LeanDynamoDB(
            region=region,
            endpoint_url=None,
            credentials=Credentials("a", "b"),
            connect_timeout=1,
            read_timeout=1,
            max_attempts=1,
            user_agent="x",
            environ=environ,
        ).endpoint_url
        == client.meta.endpoint_url
    )


def test_an_endpoint_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid DynamoDB endpoint"):
        LeanDynamoDB(
            region="us-east-1",
            endpoint_url="ftp://host",
            credentials=Credentials("a", "b"),
            connect_timeout=1,
            read_timeout=1,
            max_attempts=1,
            user_agent="x",
        )


@pytest.mark.parametrize("in_lambda", [True, False])
def test_the_xray_trace_header_is_propagated_inside_lambda_as_botocore_does(
    fake: FakeDynamoDB, make_client: Callable[..., LeanDynamoDB], in_lambda: bool
) -> None:
    from urllib.parse import quote

    from botocore.handlers import add_recursion_detection_header

    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:0|日本"
    environ = {"_X_AMZN_TRACE_ID": trace, **({"AWS_LAMBDA_FUNCTION_NAME": "f"} if in_lambda else {})}
    make_client(fake.url, environ=environ).get_item(TableName="t", Key=KEY)

    [request] = fake.requests
    expected: dict[str, Any] = {"headers": {}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("os.environ", environ)
        add_recursion_detection_header(expected)
    assert request.headers.get("x-amzn-trace-id") == expected["headers"].get("X-Amzn-Trace-Id")
    assert (request.headers.get("x-amzn-trace-id") is not None) == in_lambda
    assert quote("日本") in str(request.headers.get("x-amzn-trace-id", quote("日本")))
