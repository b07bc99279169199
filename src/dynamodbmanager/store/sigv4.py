"""AWS Signature Version 4 for DynamoDB's JSON 1.0 protocol, with the standard library only.

The Lambda function reaches DynamoDB by POSTing a JSON body to ``/``. Importing botocore only to sign those
requests costs about 100 ms of cold start, so this module signs them itself and produces, for the same request and
the same second, exactly the bytes ``botocore.auth.SigV4Auth`` (botocore 1.44) produces.

What is signed, as botocore signs it:

* every header passed in ``headers`` except botocore's blacklist (``baggage``, ``connection``, ``expect``,
  ``keep-alive``, ``proxy-authenticate``, ``proxy-authorization``, ``te``, ``traceparent``, ``tracestate``,
  ``trailer``, ``transfer-encoding``, ``upgrade``, ``user-agent``, ``x-amzn-trace-id``). For the lean client that
  means ``content-type``, ``x-amz-target`` and ``accept-encoding`` are signed and ``user-agent`` is not.
  ``content-length`` is not on the blacklist, so it is signed when passed (botocore's own client adds it only after
  signing, which is why its signatures never cover it);
* ``host``: the ``Host`` header when one is passed, otherwise the URL's host in lower case, in brackets when it is an
  IPv6 literal, with its port unless the port is the scheme's default (so ``127.0.0.1:4566`` keeps it);
* ``x-amz-date``, the signing time (UTC, whole seconds), which :meth:`Signer.sign` returns;
* ``x-amz-security-token`` when the credentials carry a session token: botocore adds the header before signing, so
  the token is covered by the signature;
* the hex SHA-256 of the body (the value of an ``X-Amz-Content-SHA256`` header instead, when one is passed).

Canonical form, as botocore builds it: header names are lower-cased and sorted; each value loses its leading and
trailing whitespace and has inner runs of whitespace folded to one space; names that differ only in case are merged,
their values joined with commas in the order given. The canonical URI is the URL's path with empty and dot segments
removed (an empty path becomes ``/``) and then percent-encoded once more, so ``%20`` in the URL is signed as
``%2520``. The canonical query string is the URL's query split on ``&`` and sorted, without re-encoding.

Headers the signature replaces are ignored in ``headers``: ``Authorization``, ``X-Amz-Date`` and, when the
credentials have a token, ``X-Amz-Security-Token`` (without one, a passed ``X-Amz-Security-Token`` is signed like any
other header, as botocore does). A passed ``Date`` header takes the place of ``X-Amz-Date``, as in botocore: it is
returned rewritten to the signing time and signed, and no ``X-Amz-Date`` is returned.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, Protocol
from urllib.parse import quote, urlsplit

__all__ = ["Credentials", "Signer"]

_ALGORITHM = "AWS4-HMAC-SHA256"
_UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_CONTROL_CHARACTERS = frozenset("\t\r\n")
_ZONE_ID = re.compile(r"(?:[A-Za-z0-9._!~-]|%[0-9A-Fa-f]{2})+")
_SECONDS_PER_DAY = 86_400
_MAX_TEMPLATES = 64
_SHA256_BLOCK = 64
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_TemplateKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Credentials:
    """An access key pair and an optional session token; the secret and the token are kept out of ``repr``."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN as Lambda provides them; None when absent.

        Empty variables count as absent. Like botocore's environment provider, a non-empty ``AWS_SECURITY_TOKEN`` is
        preferred to ``AWS_SESSION_TOKEN``, so both paths sign with the same token.
        """
        env: Mapping[str, str] = os.environ if environ is None else environ
        access_key = env.get("AWS_ACCESS_KEY_ID", "")
        secret_key = env.get("AWS_SECRET_ACCESS_KEY", "")
        if not access_key or not secret_key:
            return None
        token = env.get("AWS_SECURITY_TOKEN") or env.get("AWS_SESSION_TOKEN") or None
        return cls(access_key, secret_key, token)


class _Template(NamedTuple):
    """The parts of a canonical request that depend only on the method, the URL and the headers."""

    head: str
    tail: str
    http_date: bool
    signed_headers: str
    payload_hash: str | None


class _Hash(Protocol):
    """The part of a hashlib object the HMAC below uses."""

    def copy(self) -> _Hash: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


class _Day(NamedTuple):
    """What changes once a UTC day: the date stamp, the credential scope and the signing key as HMAC pads.

    ``inner`` and ``outer`` are SHA-256 states that have absorbed the key XOR ipad and the key XOR opad (RFC 2104), so
    each signature costs two state copies instead of a fresh HMAC set-up, which is the dearest step of a signature.
    """

    number: int
    stamp: str
    scope: str
    inner: _Hash
    outer: _Hash


class Signer:
    """Signs DynamoDB requests with SigV4 exactly as botocore's ``SigV4Auth`` would, without importing botocore.

    Canonical headers are kept per (method, URL, headers) and the signing key per UTC day, so a request costs the body
    hash, the canonical request hash and one HMAC.
    """

    def __init__(self, credentials: Credentials, region: str, service: str = "dynamodb") -> None:
        """Sign with ``credentials`` for ``service`` in ``region``; nothing is computed until the first request."""
        self._access_key = credentials.access_key
        self._secret_key = credentials.secret_key
        self._token = credentials.token or None
        self._region = region
        self._service = service
        self._templates: dict[_TemplateKey, _Template] = {}
        self._day = _Day(-1, "", "", hashlib.sha256(), hashlib.sha256())
        self._second = (-1, "")

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, now: float | None = None
    ) -> dict[str, str]:
        """The headers to add: X-Amz-Date, X-Amz-Security-Token (when there is a token) and Authorization.

        `headers` are the request's other headers (Host, Content-Type, X-Amz-Target, ...); `now` is a Unix time
        (default time.time()), truncated to the second as botocore truncates its clock.
        """
        key = (method, url, tuple(headers.items()))
        template = self._templates.get(key)
        if template is None:
            template = self._template(method, url, headers)
            if len(self._templates) >= _MAX_TEMPLATES:
                self._templates.clear()
            self._templates[key] = template
        if now is None:
            now = time.time()
        seconds = int(now)
        if seconds > now:
            seconds -= 1
        day = self._day
        if seconds // _SECONDS_PER_DAY != day.number:
            day = self._day = self._new_day(seconds // _SECONDS_PER_DAY)
        last_second, amz_date = self._second
        if seconds != last_second:
            hours, rest = divmod(seconds - day.number * _SECONDS_PER_DAY, 3600)
            minutes, secs = divmod(rest, 60)
            amz_date = f"{day.stamp}T{hours:02d}{minutes:02d}{secs:02d}Z"
            self._second = (seconds, amz_date)
        head, tail, http_date, signed_headers, payload_hash = template
        date_value = _http_date(seconds) if http_date else amz_date
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest()
        canonical = f"{head}{date_value}\n{tail}{payload_hash}"
        string_to_sign = (
            f"{_ALGORITHM}\n{amz_date}\n{day.scope}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
        )
        inner = day.inner.copy()
        inner.update(string_to_sign.encode("utf-8"))
        outer = day.outer.copy()
        outer.update(inner.digest())
        signature = outer.hexdigest()
        added = {"Date" if http_date else "X-Amz-Date": date_value}
        if self._token is not None:
            added["X-Amz-Security-Token"] = self._token
        added["Authorization"] = (
            f"{_ALGORITHM} Credential={self._access_key}/{day.scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}"
        )
        return added

    def _new_day(self, number: int) -> _Day:
        """The date stamp, credential scope and signing key of UTC day ``number`` (days since 1970-01-01)."""
        stamp = time.strftime("%Y%m%d", time.gmtime(number * _SECONDS_PER_DAY))
        key = _signing_key(self._secret_key, stamp, self._region, self._service).ljust(_SHA256_BLOCK, b"\0")
        scope = f"{stamp}/{self._region}/{self._service}/aws4_request"
        return _Day(number, stamp, scope, hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD)))

    def _template(self, method: str, url: str, headers: Mapping[str, str]) -> _Template:
        """Canonicalise everything but the date and the payload hash, once per (method, URL, headers)."""
        parts = urlsplit(url)
        given: dict[str, list[str]] = {}
        for name, value in headers.items():
            given.setdefault(name.lower(), []).append(value)
        http_date = "date" in given
        for replaced in ("authorization", "date", "x-amz-date"):
            given.pop(replaced, None)
        if self._token is not None:
            given["x-amz-security-token"] = [self._token]
        content_sha256 = given.get("x-amz-content-sha256")
        values = {name: ",".join(" ".join(v.split()) for v in vs) for name, vs in given.items()}
        signed = {name: value for name, value in values.items() if name not in _UNSIGNED_HEADERS}
        if "host" not in signed:
            signed["host"] = _host_from_url(url)
        date_name = "date" if http_date else "x-amz-date"
        signed[date_name] = ""
        names = sorted(signed)
        split = names.index(date_name)
        before = "".join(f"{name}:{signed[name]}\n" for name in names[:split])
        after = "".join(f"{name}:{signed[name]}\n" for name in names[split + 1 :])
        signed_headers = ";".join(sorted(name.strip() for name in names))
        path = quote(_remove_dot_segments(parts.path) if parts.path else "/", safe="/~")
        head = f"{method.upper()}\n{path}\n{_canonical_query(parts.query)}\n{before}{date_name}:"
        tail = f"{after}\n{signed_headers}\n"
        return _Template(head, tail, http_date, signed_headers, content_sha256[0] if content_sha256 else None)


@lru_cache(maxsize=16)
def _signing_key(secret_key: str, date_stamp: str, region: str, service: str) -> bytes:
    """The SigV4 signing key, HMAC-chained from the secret; valid for one (secret, date, region, service)."""
    key = hmac.digest(f"AWS4{secret_key}".encode(), date_stamp.encode("utf-8"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal that also drops empty segments, as botocore's ``remove_dot_segments`` does."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and segments else ""
    return first + "/".join(segments) + last


def _canonical_query(query: str) -> str:
    """The URL's query sorted by (name, value) and left encoded as it is, as botocore does for URL queries."""
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{name}={value}" for name, value in pairs)


def _host_from_url(url: str) -> str:
    """The ``host`` value botocore derives from a URL: lower case, no user info, the port only when not the default."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise ValueError(f"cannot sign a request to a URL without a host: {url!r}")
    if _is_ipv6_literal(host, url):
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def _is_ipv6_literal(host: str, url: str) -> bool:
    """Whether botocore puts ``host`` back in brackets: an IPv6 address, with a zone ID if any of its URL characters.

    urlsplit has already validated bracketed addresses, so the test is botocore's check without its full regex: an
    IPvFuture literal (``v1.x:y``), a zone ID with other characters, or a tab or line break in the URL all leave the
    brackets off, as they do in botocore.
    """
    if ":" not in host or host.startswith("v") or _URL_CONTROL_CHARACTERS.intersection(url):
        return False
    _, percent, zone = host.partition("%")
    return not percent or _ZONE_ID.fullmatch(zone) is not None


def _http_date(seconds: int) -> str:
    """``email.utils.formatdate(seconds)``, which botocore writes into a ``Date`` header, without importing email."""
    t = time.gmtime(seconds)
    return (
        f"{_WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} -0000"
    )
