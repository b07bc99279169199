"""Serve any handler from a code directory behind the project's local API Gateway, so both handlers get the same one.

Run as a script: ``python bench/gateway.py --code-dir DIR --libraries DIR --handler MOD.FN --port P --env-file F``.
It is ``dynamodbmanager local`` without the emulator, for a handler of the caller's choosing.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

from dynamodbmanager.local.gateway import LocalGateway
from dynamodbmanager.local.invoker import Invoker
from dynamodbmanager.local.processes import LOOPBACK


def _stop(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def main() -> None:
    """Start the workers, then serve HTTP until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code-dir", type=Path, required=True)
    parser.add_argument("--libraries", type=Path, required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--env-file", type=Path, required=True, help="JSON object of the function's environment")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="the function's timeout in seconds")
    args = parser.parse_args()
    # A log line per request would cost the gateway time that is not the function's.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    env = json.loads(args.env_file.read_text(encoding="utf-8"))
    invoker = Invoker(
        args.code_dir, args.libraries, env, handler=args.handler, concurrency=args.concurrency, timeout=args.timeout
    )
    signal.signal(signal.SIGTERM, _stop)
    try:
        invoker.warm()
        server = make_server(LOOPBACK, args.port, LocalGateway(invoker), threaded=True)
        server.serve_forever()
    finally:
        invoker.close()


if __name__ == "__main__":
    main()
