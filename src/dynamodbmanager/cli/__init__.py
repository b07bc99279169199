"""The ``dynamodbmanager`` command: run the service locally, package it, call it, and move its data.

Each group of subcommands lives in its own module; this one builds the parser, runs the chosen command
and turns the failures every command shares into exit statuses (see :class:`output.Exit`).
"""

from __future__ import annotations

import argparse

from dynamodbmanager import __version__
from dynamodbmanager.cli import data, items, service
from dynamodbmanager.cli.output import EXIT_CODES_HELP, Exit, UsageError, api_error, fail
from dynamodbmanager.client import ApiError, Unreachable

EPILOG = f"""examples:
  dynamodbmanager local                                  # the local stack on http://127.0.0.1:3000
  dynamodbmanager local --data-dir .local-data           # ... keeping its data across restarts
  dynamodbmanager build --output dist/lambda.zip         # the deployment package
  dynamodbmanager invoke payloads/create.json            # POST a payload file to /dynamodbmanager
  dynamodbmanager items get 42 --output table            # one item, readable
  dynamodbmanager export --to backup.jsonl               # every item to a file
  dynamodbmanager import --from backup.jsonl             # ... and back

{EXIT_CODES_HELP}.
"""


def parser() -> argparse.ArgumentParser:
    """The command line, with its subcommands."""
    root = argparse.ArgumentParser(
        prog="dynamodbmanager",
        description="A serverless CRUD API over the DynamoDB table 'anything': run it locally, package it, call it, "
        "move its data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    service.register(commands)
    items.register(commands)
    data.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dynamodbmanager`` command; returns its exit status."""
    args = parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except UsageError as exc:
        return fail(str(exc), Exit.USAGE)
    except (ApiError, Unreachable) as exc:
        return api_error(exc)
    except KeyboardInterrupt:
        return fail("interrupted", Exit.INTERRUPTED)
    except BrokenPipeError:
        # The reader of our output went away (``| head``): not an error of ours.
        return Exit.OK
    return status


__all__ = ["main", "parser"]
