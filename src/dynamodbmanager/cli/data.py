"""``dynamodbmanager export`` and ``import``: the whole table to a file and back, through the API or directly."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dynamodbmanager.cli.output import EXIT_CODES_HELP, Exit, api_client, api_options, fail
from dynamodbmanager.config import DEFAULT_REGION, DEFAULT_TABLE_NAME
from dynamodbmanager.datatools.dynamodb import BATCH_LIMIT
from dynamodbmanager.datatools.formats import FORMATS, format_of
from dynamodbmanager.datatools.progress import Progress

DEFAULT_CONCURRENCY = 4
DEFAULT_PAGE_SIZE = 1000


def _direct_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("direct access to DynamoDB (--direct)")
    group.add_argument(
        "--direct",
        action="store_true",
        help="talk to DynamoDB itself instead of the API (needs DynamoDB permissions, or a local endpoint)",
    )
    group.add_argument(
        "--endpoint-url",
        default=os.environ.get("DYNAMODB_ENDPOINT_URL"),
        help="DynamoDB endpoint, e.g. the local stack's emulator (default: $DYNAMODB_ENDPOINT_URL, else AWS)",
    )
    group.add_argument(
        "--table",
        default=os.environ.get("TABLE_NAME", DEFAULT_TABLE_NAME),
        help=f"table name (default: $TABLE_NAME or {DEFAULT_TABLE_NAME})",
    )
    group.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        help=f"AWS region (default: $AWS_REGION or {DEFAULT_REGION})",
    )
    return options


def _common_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--format", choices=FORMATS, help="jsonl or csv (default: from the file name, else jsonl)")
    options.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    return options


def _progress(label: str, args: argparse.Namespace) -> Progress:
    return Progress(label, sys.stderr, enabled=not args.no_progress)


def _direct_client(args: argparse.Namespace, connections: int) -> Any:
    from dynamodbmanager.datatools.dynamodb import make_client

    return make_client(args.endpoint_url, args.region, max_connections=connections)


def _export(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from dynamodbmanager.client import ApiError, Unreachable
    from dynamodbmanager.datatools.export import export_items

    fmt = format_of(args.to, args.format)
    total: int | None = None
    client = None
    pages: Iterable[list[dict[str, Any]]]
    if args.direct:
        from dynamodbmanager.datatools.dynamodb import scan_pages

        dynamodb = _direct_client(args, args.segments)
        try:
            total = int(dynamodb.describe_table(TableName=args.table)["Table"].get("ItemCount", 0)) or None
        except ClientError as exc:
            return fail(f"DynamoDB: {exc}", Exit.NOT_FOUND if "ResourceNotFound" in str(exc) else Exit.UNAVAILABLE)
        except BotoCoreError as exc:
            return fail(f"DynamoDB: {exc}", Exit.UNAVAILABLE)
        pages = scan_pages(
            dynamodb, args.table, segments=args.segments, page_size=args.page_size, consistent=args.consistent
        )
    else:
        from dynamodbmanager.datatools.export import api_pages

        client = api_client(args)
        pages = api_pages(client, args.page_size)
    progress = _progress("export", args)
    try:
        summary = export_items(pages, args.to, fmt, progress, total)
    except (ApiError, Unreachable, ClientError, BotoCoreError) as exc:
        partial = "" if args.to == "-" else f"; what was read is in {args.to}.partial"
        status = Exit.UNAVAILABLE
        if isinstance(exc, ApiError) and exc.status < 500:
            status = Exit.USAGE
        return fail(f"export stopped: {exc}{partial}", status)
    finally:
        if client is not None:
            client.close()
    where = "standard output" if args.to == "-" else args.to
    print(
        f"exported {summary.items:,} items to {where} in {summary.seconds:.1f} s ({summary.rate:,.0f} items/s)",
        file=sys.stderr,
    )
    return Exit.OK


def _import(args: argparse.Namespace) -> int:
    from dynamodbmanager.datatools.import_ import ApiTarget, DirectTarget, Importer, ImportStopped, Target

    source = Path(args.source)
    if not source.is_file():
        return fail(f"{source} does not exist or is not a file", Exit.USAGE)
    if not 1 <= args.batch_size <= BATCH_LIMIT:
        return fail(f"--batch-size must be from 1 to {BATCH_LIMIT}", Exit.USAGE)
    if args.concurrency < 1:
        return fail("--concurrency must be at least 1", Exit.USAGE)
    target: Target
    client = None
    if args.direct:
        target = DirectTarget(_direct_client(args, args.concurrency), args.table, args.endpoint_url)
    else:
        client = api_client(args)
        target = ApiTarget(client)
    importer = Importer(
        source,
        format_of(args.source, args.format),
        target,
        _progress("import", args),
        concurrency=args.concurrency,
        batch_size=args.batch_size,
        strict=args.strict,
        resume=args.resume,
    )
    if args.resume and not importer.checkpoint.path.exists():
        print(f"no checkpoint at {importer.checkpoint.path}: importing from the first line", file=sys.stderr)
    try:
        summary = importer.run()
    except ImportStopped as exc:
        return fail(str(exc), Exit.USAGE if exc.usage else Exit.UNAVAILABLE)
    resumed = f" (resumed after line {summary.resumed_after:,})" if summary.resumed_after else ""
    print(
        f"import{resumed}: written {summary.written:,}, skipped {summary.skipped:,}, failed {summary.failed:,} "
        f"in {summary.seconds:.1f} s ({summary.rate:,.0f} items/s)",
        file=sys.stderr,
    )
    if summary.complete:
        return Exit.OK
    print(
        f"every line up to {summary.last_acknowledged:,} is done; {importer.checkpoint.path} records it:\n"
        "  run the same command with --resume to continue where it stopped",
        file=sys.stderr,
    )
    if summary.interrupted:
        return fail("interrupted", Exit.INTERRUPTED)
    assert summary.stopped is not None or summary.failed
    return fail(f"import stopped: {summary.stopped or 'some items could not be written'}", _stop_status(summary.usage))


def _stop_status(usage: bool) -> Exit:
    return Exit.USAGE if usage else Exit.UNAVAILABLE


def register(commands: Any) -> None:
    """Add ``export`` and ``import`` to ``commands`` (the root parser's subparsers)."""
    raw = argparse.RawDescriptionHelpFormatter
    parents = [api_options(), _direct_options(), _common_options()]
    export = commands.add_parser(
        "export",
        help="write every item to a JSON Lines or CSV file, page by page",
        description="Read the whole table page by page, through the API (GET /items) or directly with a parallel "
        "scan (--direct --segments N), and stream it to FILE with constant memory. Numbers are exact; attributes "
        "are sorted, so the same data always gives the same bytes. In CSV, values that are not plain strings are "
        "JSON. The file appears under its name only when complete (FILE.partial until then). " + EXIT_CODES_HELP + ".",
        epilog="examples:\n"
        "  dynamodbmanager export --to backup.jsonl\n"
        "  dynamodbmanager export --to items.csv --url https://abc.execute-api.eu-west-1.amazonaws.com/dev "
        "--api-key KEY\n"
        "  dynamodbmanager export --to backup.jsonl --direct --endpoint-url http://127.0.0.1:5000 --segments 4",
        parents=parents,
        formatter_class=raw,
    )
    export.add_argument("--to", required=True, metavar="FILE", help="the file to write, or - for standard output")
    export.add_argument(
        "--page-size",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"items per page read (default: {DEFAULT_PAGE_SIZE}, the API's maximum)",
    )
    export.add_argument("--segments", type=int, default=4, metavar="N", help="parallel scan segments (--direct)")
    export.add_argument("--consistent", action="store_true", help="strongly consistent scan (--direct)")
    export.set_defaults(run=_export)

    imports = commands.add_parser(
        "import",
        help="write the items of a JSON Lines or CSV file, in batches, resumably",
        description="Write every item of FILE in batches of 25: through the API (PUT /items/{id}, create or "
        "replace; the server sets versions) or directly with BatchWriteItem (--direct; versions in the file are "
        "kept, 1 when absent), with bounded concurrency and retries with backoff. A bad line (not JSON, no id, "
        "over 400 KB) is reported with its number and skipped, or stops the import with --strict. A checkpoint "
        "next to FILE records what is done; --resume continues after an interruption without writing any "
        "acknowledged line twice. " + EXIT_CODES_HELP + "; 130 interrupted.",
        epilog="examples:\n"
        "  dynamodbmanager import --from backup.jsonl\n"
        "  dynamodbmanager import --from backup.jsonl --resume          # after an interruption\n"
        "  dynamodbmanager import --from items.csv --direct --endpoint-url http://127.0.0.1:5000 --strict",
        parents=parents,
        formatter_class=raw,
    )
    imports.add_argument("--from", dest="source", required=True, metavar="FILE", help="the file to read")
    imports.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"batches written at once (default: {DEFAULT_CONCURRENCY})",
    )
    imports.add_argument(
        "--batch-size", type=int, default=BATCH_LIMIT, metavar="N", help=f"items per batch, 1 to {BATCH_LIMIT}"
    )
    imports.add_argument("--strict", action="store_true", help="stop at the first bad line instead of skipping it")
    imports.add_argument("--resume", action="store_true", help="continue an interrupted import from its checkpoint")
    imports.set_defaults(run=_import)
