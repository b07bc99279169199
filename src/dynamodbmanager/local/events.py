"""HTTP request → API Gateway REST API proxy event (payload format 1.0), as API Gateway builds it."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import unquote

#: The stage the local gateway serves under, as the Terraform's default stage.
DEFAULT_STAGE = "dev"
#: What a stage name may be: the Terraform's ``stage_name`` validation.
STAGE_NAME_PATTERN = r"^[a-zA-Z0-9_]{1,128}$"


def split_stage(path: str, stage: str) -> tuple[bool, str]:
    """Whether ``path`` was called under the stage prefix, and the path without it."""
    prefix = f"/{stage}"
    if path == prefix or path.startswith(prefix + "/"):
        return True, path[len(prefix) :] or "/"
    return False, path


def build_event(
    *,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str = DEFAULT_STAGE,
    resource: str = "/{proxy+}",
    api_key_id: str | None = None,
) -> dict[str, Any]:
    """The event API Gateway would send for this request to a ``{proxy+}`` resource.

    ``path`` is the path the client called, percent-encoded as sent; under the stage prefix it is stripped from
    ``path`` and kept in ``requestContext.path``, as on AWS. Only ``pathParameters`` are decoded, as on AWS.
    """
    with_stage, route_path = split_stage(path, stage)
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value  # API Gateway keeps the last value in the single-value map.
        multi_headers.setdefault(name, []).append(value)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    try:
        text: str | None = body.decode("utf-8") if body else None
        is_base64 = False
    except UnicodeDecodeError:
        # Bytes that are not text reach the function base64-encoded, as with binary media types enabled.
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": route_path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": unquote(route_path.lstrip("/"))} if route_path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": single_headers.get("Host", "127.0.0.1"),
            "httpMethod": method,
            "identity": {
                "sourceIp": source_ip,
                "userAgent": single_headers.get("User-Agent"),
                **({"apiKeyId": api_key_id} if api_key_id else {}),
            },
            "path": f"/{stage}{route_path}" if with_stage else route_path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourcePath": resource,
            "stage": stage,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }
