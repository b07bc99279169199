"""``dynamodbmanager export`` and ``import``: a table (or an index) to a file and back, through the API or directly."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dynamodbmanager.cli.output import Exit, api_client, api_options, fail, visible
from dynamodbmanager.config import DEFAULT_REGION, DEFAULT_TABLE_NAME
from dynamodbmanager.datatools.dynamodb import BATCH_LIMIT
from dynamodbmanager.datatools.formats import FORMATS, format_of, input_format_of
from dynamodbmanager.datatools.progress import Progress
from dynamodbmanager.datatools.typed import LOSSLESS_FORMAT, typed_client

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient
    from dynamodbmanager.datatools.import_ import Importer, ImportSummary
    from dynamodbmanager.schema import TableShape

DEFAULT_CONCURRENCY = 4
DEFAULT_PAGE_SIZE = 1000
#: Segments of a direct export's parallel scan unless --segments says otherwise; through the API, one.
DEFAULT_DIRECT_SEGMENTS = 4
#: Each segment has a worker thread and a connection of its own, and up to three pages in memory.
MAX_SEGMENTS = 64

EXPORT_EXIT_CODES = (
    "exit status: 0 every item exported; 1 no such table (--direct); 2 usage, or an item holds a value the "
    "format cannot keep (nothing is lost with --allow-lossy or --format dynamodb-json); 4 server or network; "
    "130 interrupted"
)
IMPORT_EXIT_CODES = (
    "exit status: 0 every line imported; 2 usage, or some lines could not be imported (each one is reported; "
    "after fixing them, --resume imports just those), or --strict stopped at one; 4 server or network "
    "(--resume continues); 130 interrupted (--resume continues)"
)


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
    options.add_argument(
        "--format",
        choices=FORMATS,
        help=f'jsonl (plain JSON Lines), csv, or {LOSSLESS_FORMAT} ({{"Item": {{...}}}} lines of DynamoDB JSON, as '
        "DynamoDB's export to S3 writes them: every type kept) (default: csv for a .csv file, else jsonl on export "
        "and the file's content on import)",
    )
    options.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    return options


def _progress(label: str, args: argparse.Namespace) -> Progress:
    return Progress(label, sys.stderr, enabled=not args.no_progress, escape=visible)


def _api_client(args: argparse.Namespace) -> ApiClient:
    """The API client of the options, sending and receiving items as DynamoDB JSON, so no type is lost."""
    return typed_client(api_client(args))


def _direct_client(args: argparse.Namespace, connections: int) -> Any:
    from dynamodbmanager.datatools.dynamodb import make_client

    return make_client(args.endpoint_url, args.region, max_connections=connections)


@dataclass
class _Source:
    """What an export reads: the table's shape, its pages, the item count when known, the API client to close."""

    shape: TableShape
    pages: Iterable[list[dict[str, Any]]]
    total: int | None
    client: ApiClient | None


def _index_refused(shape: TableShape, args: argparse.Namespace) -> str | None:
    """Why ``--index`` cannot be exported from a table of ``shape`` (no such index, a consistent global one)."""
    from dynamodbmanager.datatools.shape import index_of

    if args.index is None:
        return None
    try:
        index = index_of(shape, args.index)
    except LookupError as exc:
        return str(exc)
    if args.consistent and index.kind == "GSI":
        return f"--consistent: {index.name} is a global index, which DynamoDB reads only eventually consistent"
    return None


def _direct_source(args: argparse.Namespace, segments: int) -> _Source | int:
    """The pages of a parallel scan, the table's shape and item count from DescribeTable (an exit status if not)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from dynamodbmanager.datatools.dynamodb import scan_pages
    from dynamodbmanager.datatools.shape import UnknownDesign, from_description

    dynamodb = _direct_client(args, segments)
    try:
        table = dynamodb.describe_table(TableName=args.table)["Table"]
        shape = from_description(table)
    except ClientError as exc:
        return fail(f"DynamoDB: {exc}", Exit.NOT_FOUND if "ResourceNotFound" in str(exc) else Exit.UNAVAILABLE)
    except BotoCoreError as exc:
        return fail(f"DynamoDB: {exc}", Exit.UNAVAILABLE)
    except UnknownDesign as exc:
        return fail(str(exc), Exit.USAGE)
    if (refused := _index_refused(shape, args)) is not None:
        return fail(refused, Exit.USAGE)
    counted = table
    if args.index is not None:
        indexes = [*table.get("GlobalSecondaryIndexes", []), *table.get("LocalSecondaryIndexes", [])]
        counted = next((entry for entry in indexes if entry.get("IndexName") == args.index), {})
    pages = scan_pages(
        dynamodb, args.table, segments=segments, page_size=args.page_size, consistent=args.consistent, index=args.index
    )
    return _Source(shape, pages, int(counted.get("ItemCount", 0)) or None, None)


def _api_source(args: argparse.Namespace, segments: int) -> _Source | int:
    """The pages through the API, and the table's shape from ``GET /table`` (an exit status if not)."""
    from dynamodbmanager.client import ApiError, Unreachable
    from dynamodbmanager.datatools.export import api_pages
    from dynamodbmanager.datatools.shape import UnknownDesign, api_shape

    client = _api_client(args)
    try:
        shape = api_shape(client)
    except (ApiError, UnknownDesign) as exc:
        client.close()
        status = Exit.UNAVAILABLE if isinstance(exc, ApiError) and exc.status >= 500 else Exit.USAGE
        return fail(f"GET /table: {exc}; check --url", status)
    except Unreachable as exc:
        client.close()
        return fail(str(exc), Exit.UNAVAILABLE)
    if (refused := _index_refused(shape, args)) is not None:
        client.close()
        return fail(refused, Exit.USAGE)
    return _Source(shape, api_pages(client, args.page_size, segments=segments, index=args.index), None, client)


def _export(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from dynamodbmanager.client import ApiError, Unreachable
    from dynamodbmanager.datatools.export import export_items
    from dynamodbmanager.datatools.typed import LossyValue

    fmt = format_of(args.to, args.format)
    segments = args.segments if args.segments is not None else (DEFAULT_DIRECT_SEGMENTS if args.direct else 1)
    if not 1 <= segments <= MAX_SEGMENTS:
        return fail(f"--segments must be from 1 to {MAX_SEGMENTS} (a worker and a connection each)", Exit.USAGE)
    source = _direct_source(args, segments) if args.direct else _api_source(args, segments)
    if isinstance(source, int):
        return source
    progress = _progress("export", args)
    try:
        summary = export_items(
            source.pages,
            args.to,
            fmt,
            progress,
            source.total,
            shape=source.shape,
            allow_lossy=args.allow_lossy,
            csv_raw=args.csv_raw,
        )
    except BrokenPipeError:
        raise
    except OSError as exc:
        return fail(f"export stopped: {exc.filename or args.to}: {exc.strerror or exc}", Exit.USAGE)
    except (ApiError, Unreachable, ClientError, BotoCoreError, LossyValue) as exc:
        partial = "" if args.to == "-" else f"; what was read is in {args.to}.partial"
        status = Exit.UNAVAILABLE
        if isinstance(exc, LossyValue) or (isinstance(exc, ApiError) and exc.status < 500):
            status = Exit.USAGE
        return fail(f"export stopped: {exc}{partial}", status)
    finally:
        if source.client is not None:
            source.client.close()
    where = "standard output" if args.to == "-" else args.to
    print(
        f"exported {summary.items:,} items to {where} in {summary.seconds:.1f} s ({summary.rate:,.0f} items/s)",
        file=sys.stderr,
    )
    if summary.lossy:
        print(
            f"warning: --allow-lossy: {summary.lossy:,} of the values written (sets, binary) will read back as "
            f"lists or strings; --format {LOSSLESS_FORMAT} keeps their types",
            file=sys.stderr,
        )
    return Exit.OK


def _import(args: argparse.Namespace) -> int:
    from dynamodbmanager.datatools.import_ import ApiTarget, DirectTarget, Importer, ImportStopped, Target

    source = Path(args.source)
    if not source.is_file() and not source.is_dir():
        return fail(f"{source} does not exist or is not a file or a directory", Exit.USAGE)
    if not 1 <= args.batch_size <= BATCH_LIMIT:
        return fail(f"--batch-size must be from 1 to {BATCH_LIMIT}", Exit.USAGE)
    if args.concurrency < 1:
        return fail("--concurrency must be at least 1", Exit.USAGE)
    target: Target
    if args.direct:
        target = DirectTarget(_direct_client(args, args.concurrency), args.table, args.endpoint_url)
    else:
        target = ApiTarget(_api_client(args))
    progress = _progress("import", args)
    try:
        importer = Importer(
            source,
            input_format_of(args.source, args.format),
            target,
            progress,
            concurrency=args.concurrency,
            batch_size=args.batch_size,
            strict=args.strict,
            resume=args.resume,
            csv_raw=args.csv_raw,
        )
        if args.resume and not importer.checkpoint.path.exists():
            print(f"no checkpoint at {importer.checkpoint.path}: importing from the first line", file=sys.stderr)
        try:
            summary = importer.run()
        finally:
            # An import cut short by an error never finished its bar: stop it before the error is told.
            progress.close()
    except ImportStopped as exc:
        return fail(str(exc), Exit.USAGE if exc.usage else Exit.UNAVAILABLE)
    except OSError as exc:
        return fail(f"import stopped: {exc.filename or args.source}: {exc.strerror or exc}", Exit.USAGE)
    resumed = f" (resumed after {importer.where(summary.resumed_after)})" if summary.resumed_after else ""
    print(
        f"import{resumed}: written {summary.written:,}, not imported {summary.skipped:,}, failed {summary.failed:,} "
        f"in {summary.seconds:.1f} s ({summary.rate:,.0f} items/s)",
        file=sys.stderr,
    )
    if summary.complete:
        return Exit.OK
    return _incomplete(importer, summary)


def _incomplete(importer: Importer, summary: ImportSummary) -> int:
    """Say what is left to do after an import that did not write every line, and return its exit status."""
    checkpoint = importer.checkpoint.path
    if summary.interrupted or summary.stopped is not None or summary.failed:
        print(
            f"every line up to {importer.where(summary.last_acknowledged)} is done; {checkpoint} records it:\n"
            "  run the same command with --resume to continue where it stopped",
            file=sys.stderr,
        )
    if summary.interrupted:
        return fail("interrupted", Exit.INTERRUPTED)
    if summary.stopped is not None:
        return fail(f"import stopped: {summary.stopped}", Exit.USAGE if summary.usage else Exit.UNAVAILABLE)
    if summary.failed:
        return fail("import stopped: some items could not be written", Exit.UNAVAILABLE)
    print(
        f"every other line is written; {checkpoint} records which:\n"
        "  fix the lines reported above and run the same command with --resume to import just those",
        file=sys.stderr,
    )
    lines = "1 line" if summary.skipped == 1 else f"{summary.skipped:,} lines"
    return fail(f"{lines} could not be imported (reported above)", Exit.USAGE)


def register(commands: Any) -> None:
    """Add ``export`` and ``import`` to ``commands`` (the root parser's subparsers)."""
    raw = argparse.RawDescriptionHelpFormatter
    parents = [api_options(), _direct_options(), _common_options()]
    export = commands.add_parser(
        "export",
        help="write every item (of the table or an index) to a JSON Lines, CSV or DynamoDB JSON file, page by page",
        description="Read the whole table page by page, typed, through the API (GET /items?format=dynamodb, or "
        "the RPC list operation for an index or a parallel scan) or directly with a parallel scan (--direct), "
        "and stream it to FILE with constant memory. The table's design (GET /table, or DescribeTable) orders "
        "each item's attributes: the key first (partition, then sort), then the others by name. Numbers are exact "
        "in every format, and pages come from the segments in a fixed order, so the same data read with the same "
        "--segments and --page-size always gives the same bytes. In CSV, values that are not plain strings are "
        "JSON, and a text cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage "
        "return) is written after a single quote ('=SUM(A1)), which import removes; --csv-raw writes cells as they "
        "are. The file is private (mode 0600): written as a new FILE.partial (a link or file already at that name "
        "is removed, never written through), synced, then renamed to FILE, so FILE appears only when complete and "
        "an export that stops leaves FILE.partial.\n\n"
        "--index NAME exports a secondary index instead (a Scan of the index): only the attributes its "
        "projection holds, so a KEYS_ONLY or INCLUDE index leaves the others out, and a sparse index only the "
        "items that have its key.\n\n"
        f'--format {LOSSLESS_FORMAT} writes one {{"Item": {{...}}}} line of DynamoDB JSON per item, as DynamoDB\'s '
        "export to S3 does: every type is kept. Plain JSON Lines and CSV have no sets and no binary; an item "
        "holding one stops the export with an error naming the item and the attribute, unless --allow-lossy "
        "accepts writing it as a list or base64 text (which reads back as a list or a string).\n\n"
        + EXPORT_EXIT_CODES
        + ".",
        epilog="examples:\n"
        "  dynamodbmanager export --to backup.jsonl\n"
        f"  dynamodbmanager export --to backup.json --format {LOSSLESS_FORMAT}       # every type, as AWS exports\n"
        "  dynamodbmanager export --to items.csv --url https://abc.execute-api.eu-west-1.amazonaws.com/dev "
        "--api-key KEY\n"
        "  dynamodbmanager export --to backup.jsonl --direct --endpoint-url http://127.0.0.1:5000 --segments 4\n"
        "  dynamodbmanager export --to gsi1.json --format dynamodb-json --index GSI1 --segments 4",
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
    export.add_argument(
        "--segments",
        type=int,
        metavar="N",
        help=f"parallel scan segments, each read by its own worker on its own connection, 1 to {MAX_SEGMENTS} "
        f"(default: {DEFAULT_DIRECT_SEGMENTS} with --direct, 1 through the API)",
    )
    export.add_argument(
        "--index",
        metavar="NAME",
        help="export this secondary index (GSI or LSI) instead of the table: only the attributes its projection "
        "holds (KEYS_ONLY and INCLUDE indexes leave attributes out), and only the items that have its key",
    )
    export.add_argument(
        "--consistent", action="store_true", help="strongly consistent scan (--direct; not of a global index)"
    )
    export.add_argument(
        "--allow-lossy",
        action="store_true",
        help="in jsonl or csv, write sets as lists and binary as base64 text instead of stopping (they read back as "
        f"lists and strings; --format {LOSSLESS_FORMAT} keeps them)",
    )
    export.add_argument(
        "--csv-raw",
        action="store_true",
        help="in csv, write every cell as it is, with no ' before a cell starting with = + - @, a tab or a carriage "
        "return: a spreadsheet opening the file may run such cells as formulas (import it with --csv-raw too)",
    )
    export.set_defaults(run=_export)

    imports = commands.add_parser(
        "import",
        help="write the items of a JSON Lines, CSV or DynamoDB JSON file (or directory), in batches, resumably",
        description="Write every item of FILE in batches of 25: through the API (PUT /items/{pk} or "
        "/items/{pk}/{sk}, ?format=dynamodb, create or replace; the server sets versions) or directly with "
        "BatchWriteItem (--direct; versions in the file are kept, 1 when absent), with bounded concurrency and "
        "retries with backoff. Items are keyed by the target table's design (GET /table, or DescribeTable): every "
        "item needs the partition key and, when the table has one, the sort key, each of its type.\n\n"
        f'FILE is JSON Lines, CSV (by its name or --format) or DynamoDB JSON ({{"Item": {{...}}}} lines, told by '
        f"their content or --format {LOSSLESS_FORMAT}), gzip-compressed or not. FILE may be a directory, such as "
        "DynamoDB's export to S3 (AWSDynamoDBexport/<id>/data/*.json.gz): every *.json and *.json.gz file in it "
        "is read, recursively, in sorted order (AWS's manifest-*.json files are left out).\n\n"
        "A line that cannot be imported (not JSON, a key attribute missing or of the wrong type, a value DynamoDB "
        "refuses) is reported with its line number (and file) and the item's key; the others are imported and "
        "the exit status is 2 at the end, or --strict stops at it. A checkpoint next to FILE records what is "
        "done: --resume continues after an interruption without writing any acknowledged line twice, and after "
        "fixing the lines reported, imports just those. The checkpoint is private (mode 0600) and replaced "
        "atomically through a new temporary file, never written through a link.\n\n"
        "In CSV, the single quote export puts before a cell a spreadsheet would run as a formula ('=SUM(A1)) is "
        "removed, so values read back exactly; --csv-raw keeps every cell as it is.\n\n" + IMPORT_EXIT_CODES + ".",
        epilog="examples:\n"
        "  dynamodbmanager import --from backup.jsonl\n"
        "  dynamodbmanager import --from backup.jsonl --resume          # after an interruption\n"
        "  dynamodbmanager import --from AWSDynamoDBexport/01234-abcd/data --direct   # DynamoDB's export to S3\n"
        "  dynamodbmanager import --from items.csv --direct --endpoint-url http://127.0.0.1:5000 --strict",
        parents=parents,
        formatter_class=raw,
    )
    imports.add_argument(
        "--from", dest="source", required=True, metavar="FILE", help="the file, or directory of files, to read"
    )
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
    imports.add_argument("--strict", action="store_true", help="stop at the first line that cannot be imported")
    imports.add_argument("--resume", action="store_true", help="continue an interrupted import from its checkpoint")
    imports.add_argument(
        "--csv-raw",
        action="store_true",
        help="the csv file was exported with --csv-raw: keep a leading ' that export would have added against "
        "formulas, instead of removing it",
    )
    imports.set_defaults(run=_import)
