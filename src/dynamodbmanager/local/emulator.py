"""The local AWS emulator: moto's server on a loopback port, with the items table created in it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from dynamodbmanager.local.processes import LOOPBACK, ManagedProcess, free_port, wait_for_http
from dynamodbmanager.schema import items_table_definition

#: Credentials the emulator accepts; never real ones.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class Emulator:
    """A running ``moto_server``; ``url`` is its endpoint for every AWS service it emulates."""

    port: int
    region: str = "us-east-1"
    log: IO[bytes] | int | None = subprocess.DEVNULL
    process: ManagedProcess | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """The endpoint URL to give to AWS clients and to Terraform's ``endpoints`` block."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60.0) -> Emulator:
        """Start the server and wait until it answers."""
        env = {
            **os.environ,
            **DUMMY_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            # Terraform attaches AWS managed policies by ARN; moto knows them only when asked to load them.
            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        }
        argv = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port)]
        self.process = ManagedProcess(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(f"{self.url}/moto-api/", self.process, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server and everything it started."""
        if self.process is not None:
            self.process.stop()

    def client(self, service: str) -> Any:
        """A botocore client for ``service`` pointed at this emulator."""
        import botocore.session

        session = botocore.session.get_session()
        return session.create_client(
            service,
            region_name=self.region,
            endpoint_url=self.url,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def ensure_table(
        self, table_name: str, definition: Callable[[str], dict[str, Any]] = items_table_definition
    ) -> None:
        """Create a table (the items table by default) with the key schema the Terraform declares, unless it exists."""
        dynamodb = self.client("dynamodb")
        if table_name in dynamodb.list_tables()["TableNames"]:
            return
        dynamodb.create_table(**definition(table_name))
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)

    def reset(self) -> None:
        """Drop every resource the emulator holds (moto's reset API)."""
        import urllib.request

        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback URL we built
            pass


def start_emulator(port: int | None = None, **kwargs: Any) -> Emulator:
    """Start an emulator on ``port`` (a free one by default)."""
    return Emulator(port=port or free_port(), **kwargs).start()
