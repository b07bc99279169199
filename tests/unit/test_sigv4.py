"""The lean SigV4 signer agrees byte for byte with botocore's ``SigV4Auth`` on DynamoDB requests."""

from __future__ import annotations

import calendar
import datetime
import email.utils
import json
import subprocess
import sys
import time
from collections.abc import Mapping

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodbmanager.store import sigv4
from dynamodbmanager.store.sigv4 import Credentials, Signer

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with+slashes=="
URL = "https://dynamodb.us-east-1.amazonaws.com"
OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "TransactWriteItems",
    "DescribeTable",
)
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1")
WHEN = datetime.datetime(2024, 2, 29, 13, 45, 7, 250_000)
# The names botocore writes while signing; anything else in its headers came from the caller.
SIGNING_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Date")


def _headers(operation: str = "GetItem", **extra: str) -> dict[str, str]:
    """The headers the lean client sends with a DynamoDB JSON 1.0 request."""
    return {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        **extra,
    }


def _unix(when: datetime.datetime) -> float:
    """A naive UTC datetime as the Unix time ``time.time()`` would have returned at that instant."""
    return when.replace(tzinfo=datetime.UTC).timestamp()


def botocore_sign(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    when: datetime.datetime,
    *,
    region: str = "us-east-1",
    token: str | None = None,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    method: str = "POST",
) -> dict[str, str]:
    """The headers botocore's ``SigV4Auth.add_auth`` writes, with its clock frozen at ``when`` (naive UTC).

    ``add_auth`` overwrites ``request.context["timestamp"]`` from ``botocore.auth.get_current_datetime``, so that is
    the name to freeze; setting the context timestamp beforehand has no effect.
    """
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    auth = botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, secret_key, token), "dynamodb", region)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: when)
        auth.add_auth(request)
    return {
        str(name): str(value)
        for name, value in request.headers.items()
        if name in SIGNING_HEADERS and not (name == "X-Amz-Security-Token" and not token)
    }


def lean_sign(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    when: datetime.datetime,
    *,
    region: str = "us-east-1",
    token: str | None = None,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    method: str = "POST",
) -> dict[str, str]:
    """The headers ``Signer.sign`` returns for the same request at the same instant."""
    signer = Signer(Credentials(access_key, secret_key, token), region)
    return signer.sign(method, url, headers, body, now=_unix(when))


def assert_same(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    when: datetime.datetime = WHEN,
    *,
    region: str = "us-east-1",
    token: str | None = None,
) -> dict[str, str]:
    """Both signers produce the same headers; returns them."""
    expected = botocore_sign(url, headers, body, when, region=region, token=token)
    assert lean_sign(url, headers, body, when, region=region, token=token) == expected
    return expected


def _body(operation: str) -> bytes:
    """A realistic request body for ``operation`` against the table ``anything``."""
    key = {"id": {"S": "item-1"}}
    bodies: dict[str, object] = {
        "GetItem": {"TableName": "anything", "Key": key, "ConsistentRead": True},
        "PutItem": {"TableName": "anything", "Item": {**key, "n": {"N": "1"}}},
        "UpdateItem": {
            "TableName": "anything",
            "Key": key,
            "UpdateExpression": "SET #n = :n",
            "ExpressionAttributeNames": {"#n": "n"},
            "ExpressionAttributeValues": {":n": {"N": "2"}},
        },
        "DeleteItem": {"TableName": "anything", "Key": key, "ReturnValues": "ALL_OLD"},
        "Query": {
            "TableName": "anything",
            "KeyConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":id": {"S": "item-1"}},
        },
        "Scan": {"TableName": "anything", "Limit": 25},
        "BatchGetItem": {"RequestItems": {"anything": {"Keys": [key, {"id": {"S": "item-2"}}]}}},
        "TransactWriteItems": {"TransactItems": [{"Put": {"TableName": "anything", "Item": key}}]},
        "DescribeTable": {"TableName": "anything"},
    }
    return json.dumps(bodies[operation], separators=(",", ":")).encode()


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_matches_botocore(operation: str, token: str | None) -> None:
    """Each operation the service uses signs identically, with and without a session token."""
    signed = assert_same(URL, _headers(operation), _body(operation), token=token)
    assert ("X-Amz-Security-Token" in signed) is (token is not None)


UNICODE_BODY = json.dumps(
    {
        "TableName": "anything",
        "Item": {
            "id": {"S": "ключ-鍵-キー-مفتاح"},
            "Grüße": {"S": "Ünïcödé — ελληνικά, עברית, हिन्दी, 한국어"},
            "表情": {"S": "😀🚀🏳️‍🌈👩🏽‍💻"},
            "กุญแจ𝄞": {"S": "\u0000\u2028\ufeff tab\there"},
        },
    },
    ensure_ascii=False,
).encode("utf-8")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b"", id="no-body"),
        pytest.param(UNICODE_BODY, id="unicode"),
        pytest.param(json.dumps(json.loads(UNICODE_BODY)).encode(), id="unicode-escaped"),
        pytest.param(b'{"TableName":"anything","Item":{"blob":{"S":"' + b"x" * 1_000_000 + b'"}}}', id="1MB"),
    ],
)
@pytest.mark.parametrize("token", [None, TOKEN])
def test_bodies_match_botocore(body: bytes, token: str | None) -> None:
    """The payload hash covers the exact bytes, whatever their script or size."""
    assert_same(URL, _headers("PutItem"), body, token=token)


@pytest.mark.parametrize("region", REGIONS)
def test_regions_match_botocore(region: str) -> None:
    """The region is part of the credential scope and of the derived key."""
    signed = assert_same(f"https://dynamodb.{region}.amazonaws.com", _headers(), b"{}", region=region, token=TOKEN)
    assert f"/{region}/dynamodb/aws4_request" in signed["Authorization"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566",
        "http://127.0.0.1:4566/",
        "https://dynamodb.us-east-1.amazonaws.com",
        "https://dynamodb.us-east-1.amazonaws.com/",
        "https://dynamodb.cn-north-1.amazonaws.com.cn/",
        "http://localhost:80/",
        "https://DynamoDB.US-East-1.AmazonAWS.com:443",
        "https://dynamodb.example.com:8443",
        "http://user:pass@localhost:8000/",
        "http://[::1]:8000/",
        "http://[::1]:80",
        "http://[::FFFF:1.2.3.4]:4566/",
        "http://[fe80::1%25eth0]:8000",
        "http://[fe80::1%e&h]/",
        "http://[v1.a:b]:81/",
        "https://example.com/a/./b/../c//d/",
        "https://example.com/..",
        "https://example.com/a%20b/ü~x/",
        "https://example.com/?b=2&a=1&a=0&c",
        "https://example.com/?",
    ],
)
@pytest.mark.parametrize("with_host", [False, True])
def test_urls_match_botocore(url: str, with_host: bool) -> None:
    """The host (from the URL unless given), the canonical URI and the query string are built as botocore does."""
    headers = _headers()
    if with_host:
        headers["Host"] = "Custom.Example:1234"
    assert_same(url, headers, b"{}", token=TOKEN)


def test_trailing_slash_or_none_signs_the_same() -> None:
    """An empty path is signed as ``/``, so the endpoint with or without its trailing slash gives one signature."""
    assert assert_same(URL, _headers(), b"{}") == assert_same(URL + "/", _headers(), b"{}")


def test_custom_port_is_kept_in_the_signed_host() -> None:
    """A non-default port is part of the signed host: the same request on another port is signed differently."""
    local = assert_same("http://127.0.0.1:4566", _headers(), b"{}")
    other = assert_same("http://127.0.0.1:8000", _headers(), b"{}")
    assert local["Authorization"] != other["Authorization"]
    assert assert_same("http://127.0.0.1:80", _headers(), b"{}") == assert_same("http://127.0.0.1", _headers(), b"{}")


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"User-Agent": "dynamodbmanager/1.0"}, id="user-agent"),
        pytest.param({"Accept-Encoding": "identity"}, id="accept-encoding"),
        pytest.param({"Host": "dynamodb.us-east-1.amazonaws.com"}, id="host"),
        pytest.param({"Content-Length": "2"}, id="content-length"),
        pytest.param(
            {"X-Amzn-Trace-Id": "Root=1-abc", "Expect": "100-continue", "Connection": "close"}, id="blacklist"
        ),
        pytest.param({"x-amz-target": "DynamoDB_20120810.Scan"}, id="same-name-other-case"),
        pytest.param({"X-Custom": "  padded   with\t\tinner   runs  "}, id="whitespace"),
        pytest.param({"Authorization": "stale", "X-Amz-Date": "19700101T000000Z"}, id="stale-signature"),
        pytest.param({"x-amz-security-token": "stale"}, id="stale-token"),
        pytest.param({"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, id="content-sha256"),
        pytest.param({"Date": "Thu, 01 Jan 1970 00:00:00 GMT"}, id="date"),
    ],
)
@pytest.mark.parametrize("token", [None, TOKEN])
def test_headers_match_botocore(extra: dict[str, str], token: str | None) -> None:
    """Which headers are signed and how their names and values are canonicalised follows botocore."""
    assert_same(URL, _headers("Query", **extra), b"{}", token=token)


def test_signed_headers_for_the_lean_client() -> None:
    """User-Agent is left out; Accept-Encoding, Content-Type, Host, X-Amz-Date, the token and the target are signed."""
    headers = _headers("GetItem", **{"User-Agent": "lean", "Accept-Encoding": "identity"})
    signed = assert_same(URL, headers, b"{}", token=TOKEN)
    assert (
        "SignedHeaders=accept-encoding;content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
        in signed["Authorization"]
    )
    assert signed["X-Amz-Date"] == "20240229T134507Z"
    assert signed["X-Amz-Security-Token"] == TOKEN
    assert list(signed) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"]


def test_date_header_replaces_x_amz_date() -> None:
    """As in botocore, a Date header is rewritten to the signing time and signed in place of X-Amz-Date."""
    signed = assert_same(URL, _headers(Date="whatever", **{"X-Amz-Date": "old"}), b"{}")
    assert signed["Date"] == email.utils.formatdate(calendar.timegm(WHEN.timetuple()))
    assert "X-Amz-Date" not in signed
    assert "SignedHeaders=content-type;date;host;x-amz-target," in signed["Authorization"]


@pytest.mark.parametrize("method", ["POST", "post", "GET"])
def test_method_is_upper_cased(method: str) -> None:
    """The canonical method is upper-cased, as botocore does."""
    expected = botocore_sign(URL, _headers(), b"{}", WHEN, method=method)
    assert lean_sign(URL, _headers(), b"{}", WHEN, method=method) == expected


def test_aws_documented_example() -> None:
    """The IAM ListUsers example from AWS's SigV4 documentation, independent of botocore."""
    signer = Signer(Credentials(ACCESS_KEY, SECRET_KEY), "us-east-1", "iam")
    signed = signer.sign(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        b"",
        now=calendar.timegm((2015, 8, 30, 12, 36, 0)),
    )
    assert signed == {
        "X-Amz-Date": "20150830T123600Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    }


def test_one_signer_across_midnight_utc() -> None:
    """The cached signing key and scope change at midnight UTC, and going back a day is signed correctly too."""
    signer = Signer(Credentials(ACCESS_KEY, SECRET_KEY, TOKEN), "eu-west-1")
    url = "https://dynamodb.eu-west-1.amazonaws.com"
    instants = [
        datetime.datetime(2023, 12, 31, 23, 59, 58),
        datetime.datetime(2023, 12, 31, 23, 59, 59, 999_999),
        datetime.datetime(2024, 1, 1, 0, 0, 0),
        datetime.datetime(2024, 1, 1, 0, 0, 0, 500_000),
        datetime.datetime(2023, 12, 31, 23, 59, 59),
        datetime.datetime(2024, 1, 2, 0, 0, 1),
    ]
    scopes = []
    for when in instants:
        ours = signer.sign("POST", url, _headers(), b"{}", now=_unix(when))
        assert ours == botocore_sign(url, _headers(), b"{}", when, region="eu-west-1", token=TOKEN)
        scopes.append(ours["Authorization"].split("/")[1])
    assert scopes == ["20231231", "20231231", "20240101", "20240101", "20231231", "20240102"]


def test_fraction_of_a_second_is_truncated() -> None:
    """botocore's timestamp drops the fraction, so any instant within one second signs the same."""
    signer = Signer(Credentials(ACCESS_KEY, SECRET_KEY), "us-east-1")
    start = float(calendar.timegm(WHEN.timetuple()))
    first = signer.sign("POST", URL, _headers(), b"{}", now=start)
    assert signer.sign("POST", URL, _headers(), b"{}", now=start + 0.999) == first
    assert signer.sign("POST", URL, _headers(), b"{}", now=start + 1)["X-Amz-Date"] == "20240229T134508Z"


def test_now_defaults_to_the_clock() -> None:
    """Without ``now`` the signer reads time.time(), and the result still matches botocore at that second."""
    signer = Signer(Credentials(ACCESS_KEY, SECRET_KEY, TOKEN), "us-east-1")
    before = int(time.time())
    ours = signer.sign("POST", URL, _headers(), b"{}")
    after = int(time.time())
    when = datetime.datetime.strptime(ours["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert before <= calendar.timegm(when.timetuple()) <= after
    assert ours == botocore_sign(URL, _headers(), b"{}", when, token=TOKEN)


def test_repeated_and_varied_requests_on_one_signer() -> None:
    """Reusing one signer (and its caches) across operations, URLs and bodies never leaks state between requests."""
    signer = Signer(Credentials(ACCESS_KEY, SECRET_KEY, TOKEN), "us-east-1")
    for round_ in range(3):
        for index, operation in enumerate(OPERATIONS):
            url = URL if index % 2 else "http://127.0.0.1:4566/"
            when = WHEN + datetime.timedelta(seconds=round_ * 7 + index)
            ours = signer.sign("POST", url, _headers(operation), _body(operation), now=_unix(when))
            assert ours == botocore_sign(url, _headers(operation), _body(operation), when, token=TOKEN)


def test_empty_token_is_no_token() -> None:
    """An empty token sends no X-Amz-Security-Token header, as botocore treats it."""
    assert assert_same(URL, _headers(), b"{}", token="") == assert_same(URL, _headers(), b"{}")


def test_url_without_host_is_rejected() -> None:
    """There is no host to sign in a URL without one."""
    with pytest.raises(ValueError, match="without a host"):
        Signer(Credentials(ACCESS_KEY, SECRET_KEY), "us-east-1").sign("POST", "/", _headers(), b"{}", now=0)


@pytest.mark.parametrize("seconds", [0, 951_782_400, 1_709_214_307, 4_102_444_799])
def test_http_date_matches_email_utils(seconds: int) -> None:
    """The Date value written in place of X-Amz-Date is the one email.utils.formatdate gives botocore."""
    assert sigv4._http_date(seconds) == email.utils.formatdate(seconds)


def test_module_does_not_import_botocore() -> None:
    """The point of the module: importing it in a fresh interpreter loads neither botocore nor boto3."""
    code = (
        "import sys, dynamodbmanager.store.sigv4; "
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in {'botocore', 'boto3'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


# Credentials.from_env


def test_from_env_absent() -> None:
    """No access key or no secret: no credentials."""
    assert Credentials.from_env({}) is None
    assert Credentials.from_env({"AWS_ACCESS_KEY_ID": "AK"}) is None
    assert Credentials.from_env({"AWS_SECRET_ACCESS_KEY": "SK"}) is None
    assert Credentials.from_env({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "SK"}) is None


def test_from_env_token_is_optional() -> None:
    """Long-term keys have no token; Lambda's temporary ones carry AWS_SESSION_TOKEN."""
    keys = {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"}
    assert Credentials.from_env(keys) == Credentials("AK", "SK")
    assert Credentials.from_env({**keys, "AWS_SESSION_TOKEN": "TOK"}) == Credentials("AK", "SK", "TOK")
    assert Credentials.from_env({**keys, "AWS_SESSION_TOKEN": ""}) == Credentials("AK", "SK")


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"},
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "S"},
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SECURITY_TOKEN": "L"},
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SECURITY_TOKEN": "L", "AWS_SESSION_TOKEN": "S"},
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SECURITY_TOKEN": "", "AWS_SESSION_TOKEN": "S"},
        {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": ""},
        {"AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "S"},
    ],
)
def test_from_env_agrees_with_botocore(environ: dict[str, str]) -> None:
    """The same variables give the same keys and token as botocore's environment provider (or none at all)."""
    try:
        loaded = botocore.credentials.EnvProvider(environ).load()
    except botocore.exceptions.PartialCredentialsError:
        loaded = None
    ours = Credentials.from_env(environ)
    if loaded is None:
        assert ours is None
    else:
        assert ours == Credentials(loaded.access_key, loaded.secret_key, loaded.token)


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, the process environment is read."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKENV")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "TOKENV")
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    assert Credentials.from_env() == Credentials("AKENV", "SKENV", "TOKENV")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    assert Credentials.from_env() is None


def test_secret_and_token_stay_out_of_repr() -> None:
    """Logging the credentials shows which key is in use, never the secret or the token."""
    text = repr(Credentials("AKIAVISIBLE", "the-secret-value", "the-session-token"))
    assert "AKIAVISIBLE" in text
    assert "the-secret-value" not in text
    assert "the-session-token" not in text


# Properties over random requests

_PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=24)
_REGIONS = st.sampled_from(REGIONS) | st.from_regex(r"[a-z]{2}(-gov)?-[a-z]{4,9}-[1-9]", fullmatch=True)
_TOKENS = st.none() | st.text(_PRINTABLE, min_size=1, max_size=400)
_INSTANTS = st.datetimes(min_value=datetime.datetime(1970, 1, 1), max_value=datetime.datetime(2199, 12, 31))
_BODIES = st.binary(max_size=4096) | _TEXT.map(lambda text: json.dumps({"S": text}, ensure_ascii=False).encode())
_URLS = st.sampled_from(
    [
        "https://dynamodb.us-east-1.amazonaws.com",
        "https://dynamodb.us-east-1.amazonaws.com/",
        "http://127.0.0.1:4566",
        "http://localhost:8000/",
        "http://[::1]:4566",
    ]
)
_HEADER_NAMES = st.sampled_from(
    [
        "Host",
        "host",
        "User-Agent",
        "Accept-Encoding",
        "Content-Length",
        "Authorization",
        "X-Amz-Date",
        "x-amz-date",
        "X-Amz-Security-Token",
        "X-Amz-Content-SHA256",
        "Date",
        "Expect",
        "X-Amzn-Trace-Id",
        " x-padded ",
    ]
) | st.text(st.sampled_from("aAbB-"), min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    operation=st.sampled_from(OPERATIONS),
    body=_BODIES,
    region=_REGIONS,
    token=_TOKENS,
    when=_INSTANTS,
    url=_URLS,
    access_key=st.from_regex(r"A[SK]IA[A-Z0-9]{12,16}", fullmatch=True),
    secret_key=st.text(st.sampled_from("abcXYZ0189/+="), min_size=1, max_size=40),
)
def test_random_requests_match_botocore(
    *,
    operation: str,
    body: bytes,
    region: str,
    token: str | None,
    when: datetime.datetime,
    url: str,
    access_key: str,
    secret_key: str,
) -> None:
    """Random bodies, regions, keys, tokens and instants sign as botocore signs them."""
    headers = _headers(operation)
    expected = botocore_sign(
        url, headers, body, when, region=region, token=token, access_key=access_key, secret_key=secret_key
    )
    ours = lean_sign(url, headers, body, when, region=region, token=token, access_key=access_key, secret_key=secret_key)
    assert ours == expected


@settings(max_examples=200, deadline=None)
@given(
    extra=st.dictionaries(_HEADER_NAMES, _TEXT, max_size=6),
    token=_TOKENS,
    when=_INSTANTS,
    url=_URLS,
)
def test_random_headers_match_botocore(
    extra: dict[str, str], token: str | None, when: datetime.datetime, url: str
) -> None:
    """Random extra headers (case clashes, odd whitespace, replaced and blacklisted names) sign as in botocore."""
    headers = {**_headers(), **extra}
    assert lean_sign(url, headers, b"{}", when, token=token) == botocore_sign(url, headers, b"{}", when, token=token)
