"""A local stand-in for OSV's query API, answering from an advisory snapshot, for audits without the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from dynamodbmanager.local.processes import LOOPBACK, free_port

SNAPSHOT = Path(__file__).with_name("advisories.json")


def _affects(advisory: dict[str, Any], name: str, version: Version) -> bool:
    """Whether ``name`` at ``version`` lies in one of the advisory's ECOSYSTEM ranges [introduced, fixed)."""
    for affected in advisory["affected"]:
        package = affected["package"]
        if package["ecosystem"] != "PyPI" or canonicalize_name(package["name"]) != name:
            continue
        for version_range in affected.get("ranges", []):
            if version_range["type"] != "ECOSYSTEM":
                continue
            introduced: Version | None = None
            for event in version_range["events"]:
                if "introduced" in event:
                    introduced = Version(event["introduced"])
                elif "fixed" in event and introduced is not None:
                    if introduced <= version < Version(event["fixed"]):
                        return True
                    introduced = None
            if introduced is not None and version >= introduced:
                return True
    return False


class OsvStandIn:
    """``POST /v1/query`` on a free loopback port, as pip-audit's OSV service sends it."""

    def __init__(self, snapshot: Path = SNAPSHOT) -> None:
        self.advisories: list[dict[str, Any]] = json.loads(snapshot.read_text(encoding="utf-8"))["vulns"]
        self.queries: list[tuple[str, str]] = []
        advisories, queries = self.advisories, self.queries

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = canonicalize_name(query["package"]["name"])
                queries.append((name, query["version"]))
                try:
                    version = Version(query["version"])
                except InvalidVersion:
                    found = []
                else:
                    found = [a for a in advisories if _affects(a, name, version)]
                body = json.dumps({"vulns": found} if found else {}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self._server = ThreadingHTTPServer((LOOPBACK, self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The query endpoint, for ``pip-audit --osv-url``."""
        return f"http://{LOOPBACK}:{self.port}/v1/query"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
