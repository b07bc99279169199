#!/usr/bin/env python3
"""Smoke-test a deployed dynamodbmanager API: the five RPC payloads and the REST routes, by status code.

Standard library only, so it runs on any machine with Python 3.11+. Every item it writes has an id unique
to this run and is deleted before it exits, pass or fail. Exit status 0 when every call answered as the
contract says, 1 at the first call that did not (with a line naming it), 2 on bad arguments.

Right after a deployment, a new API key and its link to the usage plan take a few seconds to work: API
Gateway answers 403 meanwhile. So for ``--key-wait`` seconds a keyed call answered 403 is sent again,
with a line saying so; a 403 comes from the gateway, before the function, so nothing ran and a retry is safe.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"
#: The RPC operations in the order they make sense on one item; each file is in payloads/.
RPC_OPERATIONS = ("create", "read", "update", "delete", "list")
API_KEY_VARIABLES = ("SMOKE_API_KEY", "DYNAMODBMANAGER_API_KEY")
#: Seconds between two tries of a call refused while the key is not yet effective.
KEY_RETRY_INTERVAL = 2.0


class SmokeFailure(Exception):
    """A call answered with a status (or body) the contract does not allow."""


@dataclass
class Answer:
    """One HTTP response: status, headers (lower-case names) and the body parsed as JSON when it is JSON."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Smoke:
    """Calls the API at ``base_url`` (the stage URL) and remembers which items to delete at the end."""

    base_url: str
    api_key: str | None
    timeout: float
    created: set[str] = field(default_factory=set)
    #: Until this time.monotonic(), a keyed call answered 403 is retried: the key may not work yet.
    key_deadline: float = 0.0

    def call(self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        """Send one request and return the answer whatever its status; network errors raise SmokeFailure."""
        data = None if body is None else json.dumps(body).encode()
        # The scheme was checked to be http(s) when the arguments were parsed.
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("x-api-key", self.api_key)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - as above
                return _answer(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return _answer(error.code, dict(error.headers.items()), error.read())
        except OSError as error:
            raise SmokeFailure(f"{method} {path}: no answer ({error})") from error

    def expect(
        self,
        label: str,
        method: str,
        path: str,
        statuses: tuple[int, ...],
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Make the call and fail unless its status is one of ``statuses``; print one line either way."""
        answer = self.call(method, path, body=body, headers=headers)
        while answer.status == 403 and 403 not in statuses and self.api_key and time.monotonic() < self.key_deadline:
            left = self.key_deadline - time.monotonic()
            print(
                f"wait  403 {method} {path}: waiting for the new API key to take effect (up to {left:.0f} s more)",
                flush=True,
            )
            time.sleep(min(KEY_RETRY_INTERVAL, max(left, 0.0)))
            answer = self.call(method, path, body=body, headers=headers)
        if answer.status not in statuses:
            wanted = " or ".join(str(s) for s in statuses)
            raise SmokeFailure(
                f"{label}: {method} {path} answered {answer.status}, expected {wanted}: {_short(answer.body)}"
            )
        print(f"ok    {answer.status} {method} {path}  ({label})", flush=True)
        return answer

    def cleanup(self) -> None:
        """Delete every item this run may have created; a missing one is fine."""
        for item_id in sorted(self.created):
            try:
                self.call("DELETE", f"/items/{urllib.parse.quote(item_id, safe='')}")
            except SmokeFailure as error:
                print(f"warn  could not delete {item_id}: {error}", file=sys.stderr)


def _answer(status: int, headers: dict[str, str], raw: bytes) -> Answer:
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Answer(status, {k.lower(): v for k, v in headers.items()}, body)


def _short(body: Any, limit: int = 300) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    return text if len(text) <= limit else text[:limit] + "..."


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def with_id(payload: dict[str, Any], item_id: str) -> dict[str, Any]:
    """The payload with the id of its Item or Key replaced, so the run never touches real items."""
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    inner = copy.get("payload", {})
    for part in ("Item", "Key"):
        if isinstance(inner.get(part), dict) and "id" in inner[part]:
            inner[part]["id"] = item_id
    return copy


def wait_for_health(smoke: Smoke, seconds: float) -> None:
    """Poll GET /health until it answers 200: a fresh deployment can take a few seconds to serve."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = smoke.call("GET", "/health")
        except SmokeFailure:
            answer = None
        if (answer is not None and answer.status == 200) or time.monotonic() >= deadline:
            break
        time.sleep(2)
    smoke.expect("health check", "GET", "/health", (200,))


def run_rpc(smoke: Smoke, payloads: Path, item_id: str) -> None:
    """POST each payloads/<operation>.json to /dynamodbmanager, on an item of this run: all answer 200."""
    for operation in RPC_OPERATIONS:
        payload = with_id(json.loads((payloads / f"{operation}.json").read_text()), item_id)
        if operation == "create":
            smoke.created.add(item_id)
        smoke.expect(f"RPC {operation}.json", "POST", "/dynamodbmanager", (200,), body=payload)
        if operation == "delete":
            smoke.created.discard(item_id)


def run_rest(smoke: Smoke, run_id: str) -> None:
    """Create, read, patch, replace, list and delete items over /items, checking statuses and headers."""
    first, second = f"{run_id}-rest-1", f"{run_id}-rest-2"
    path = f"/items/{urllib.parse.quote(first, safe='')}"

    smoke.created.add(first)
    created = smoke.expect("REST create", "POST", "/items", (201,), body={"id": first, "source": "smoke", "n": 1})
    _require(bool(created.headers.get("location")), "REST create: POST /items answered 201 without Location")

    read = smoke.expect("REST read", "GET", path, (200,))
    etag = read.headers.get("etag")
    _require(bool(etag), f"REST read: GET {path} answered 200 without ETag")
    _require(
        isinstance(read.body, dict) and read.body.get("id") == first,
        f"REST read: GET {path} returned another item: {_short(read.body)}",
    )

    patch_headers = {"Content-Type": "application/merge-patch+json", "If-Match": str(etag)}
    patched = smoke.expect("REST patch", "PATCH", path, (200,), body={"n": 2}, headers=patch_headers)
    _require(
        isinstance(patched.body, dict) and patched.body.get("n") == 2,
        f"REST patch: PATCH {path} did not apply the patch: {_short(patched.body)}",
    )

    smoke.expect("REST replace", "PUT", path, (200,), body={"id": first, "source": "smoke", "n": 3})
    smoke.created.add(second)
    second_path = f"/items/{urllib.parse.quote(second, safe='')}"
    smoke.expect("REST create by PUT", "PUT", second_path, (201,), body={"source": "smoke"})

    listed = smoke.expect("REST list", "GET", "/items?limit=1", (200,))
    _require(
        isinstance(listed.body, dict)
        and isinstance(listed.body.get("items"), list)
        and len(listed.body["items"]) <= 1
        and "next_cursor" in listed.body,
        f"REST list: GET /items?limit=1 is not a page of at most 1 item: {_short(listed.body)}",
    )

    smoke.expect("REST delete", "DELETE", path, (204,))
    smoke.expect("REST delete", "DELETE", second_path, (204,))
    smoke.created -= {first, second}
    smoke.expect("REST read after delete", "GET", path, (404,))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; the API key may also come from SMOKE_API_KEY or DYNAMODBMANAGER_API_KEY."""
    parser = argparse.ArgumentParser(
        prog="smoke.py",
        description="Call a deployed dynamodbmanager API with the payloads/ files and the REST routes; "
        "exit non-zero at the first unexpected status.",
        epilog="example:\n  python3 scripts/smoke.py --url https://abc123.execute-api.us-east-1.amazonaws.com/dev "
        '--api-key "$(scripts/tf output dev api_key_value)"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", required=True, help="the stage URL (terraform output api_url), no trailing /")
    parser.add_argument(
        "--api-key",
        default=next((os.environ[v] for v in API_KEY_VARIABLES if os.environ.get(v)), None),
        help="value of the x-api-key header (default: $SMOKE_API_KEY or $DYNAMODBMANAGER_API_KEY); empty sends none",
    )
    parser.add_argument("--payloads", type=Path, default=PAYLOADS, help="directory of the RPC payload files")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per call (default: 15)")
    parser.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for /health to answer 200 (default: 30)"
    )
    parser.add_argument(
        "--key-wait",
        type=float,
        default=60.0,
        help="seconds after the health check during which a keyed call answered 403 is retried, while a new "
        "API key takes effect (default: 60; 0 fails at the first 403)",
    )
    parser.add_argument("--run-id", help="prefix of the ids this run writes (default: smoke-<time>-<random>)")
    args = parser.parse_args(argv)
    if urllib.parse.urlsplit(args.url).scheme not in ("http", "https"):
        parser.error(f"--url must be an http(s) URL, not {args.url!r}")
    missing = [op for op in RPC_OPERATIONS if not (args.payloads / f"{op}.json").is_file()]
    if missing:
        parser.error(f"{args.payloads} lacks {', '.join(m + '.json' for m in missing)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the RPC and REST checks against ``--url``; 0 when all passed, 1 at the first failure."""
    args = parse_args(argv)
    run_id = args.run_id or f"smoke-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"
    smoke = Smoke(args.url.rstrip("/"), args.api_key or None, args.timeout)
    print(f"smoke test of {smoke.base_url} (items {run_id}-*)", flush=True)
    try:
        wait_for_health(smoke, args.wait)
        smoke.key_deadline = time.monotonic() + args.key_wait
        run_rpc(smoke, args.payloads, f"{run_id}-rpc")
        run_rest(smoke, run_id)
    except SmokeFailure as failure:
        print(f"FAIL  {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        smoke.cleanup()
    print("smoke test passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
