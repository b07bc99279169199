"""``dynamodbmanager items get|put|patch|delete|list``: one item at a time through the REST API.

With ``--format dynamodb`` items go in and come out as DynamoDB JSON (``?format=dynamodb``), so sets, binary
and every other type DynamoDB holds pass through the command unchanged.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from dynamodbmanager import jsoncodec
from dynamodbmanager.cli.output import (
    DYNAMODB,
    EXIT_CODES_HELP,
    Exit,
    UsageError,
    api_client,
    api_options,
    fail,
    item_format_options,
    item_table,
    items_table,
    read_json_object,
    version_arg,
    visible,
)
from dynamodbmanager.datatools.formats import dump_item
from dynamodbmanager.schema import KEY_ATTRIBUTE, KEY_TYPE

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient, Reply

BODY_HELP = "the JSON object: text, @FILE, or - for standard input (the default when it is piped)"


def _typed(args: argparse.Namespace) -> bool:
    """Whether the command speaks DynamoDB JSON (``--format dynamodb``)."""
    return bool(args.item_format == DYNAMODB)


def _print_item(reply: Reply, args: argparse.Namespace) -> None:
    """Print the item an answer holds: its text exactly as the API sent it, or a table."""
    if args.output == "table":
        print(item_table(reply.json(), typed=_typed(args)))
    else:
        print(reply.text)


def _body_id(item: dict[str, Any], typed: bool) -> str | None:
    """The id an item names, if any: a string in plain JSON, ``{"S": "..."}`` in DynamoDB JSON."""
    value = item.get(KEY_ATTRIBUTE)
    if value is None:
        return None
    if typed:
        if isinstance(value, dict) and list(value) == [KEY_TYPE] and isinstance(value[KEY_TYPE], str):
            return str(value[KEY_TYPE])
        typed_string = f'{{"{KEY_TYPE}": "..."}}'
        raise UsageError(f"the item's '{KEY_ATTRIBUTE}' must be a string, written {typed_string} in DynamoDB JSON")
    if isinstance(value, str):
        return value
    raise UsageError(f"the item's '{KEY_ATTRIBUTE}' must be a string")


def _get(client: ApiClient, args: argparse.Namespace) -> int:
    """Print one item."""
    _print_item(client.get(args.id), args)
    return Exit.OK


def _put(client: ApiClient, args: argparse.Namespace) -> int:
    """Create the item (POST when it has no id) or replace it (PUT), and print what was stored."""
    item = read_json_object(args.body, sys.stdin)
    body_id = _body_id(item, _typed(args))
    item_id = args.id if args.id is not None else body_id
    if item_id is None:
        if args.if_match is not None:
            return _usage("--if-match needs the item's id (--id or an 'id' in the body)")
        _print_item(client.create(item), args)
    else:
        _print_item(client.put(item_id, item, if_match=args.if_match, create_only=args.create_only), args)
    return Exit.OK


def _patch(client: ApiClient, args: argparse.Namespace) -> int:
    """Merge a patch into the item and print the result."""
    patch = read_json_object(args.body, sys.stdin, "the merge patch")
    _print_item(client.patch(args.id, patch, if_match=args.if_match), args)
    return Exit.OK


def _delete(client: ApiClient, args: argparse.Namespace) -> int:
    """Delete the item and say so on stderr, keeping stdout for data; the id's hidden characters shown escaped."""
    client.delete(args.id, if_match=args.if_match)
    print(f"deleted '{visible(args.id)}'", file=sys.stderr)
    return Exit.OK


def _list(client: ApiClient, args: argparse.Namespace) -> int:
    """Print one page of items, or every page with ``--all``."""
    if not args.all:
        reply = client.list_page(args.limit, args.cursor)
        body = reply.json()
        if args.output == "table":
            print(items_table(body["items"], typed=_typed(args)))
            if body.get("next_cursor"):
                print(f"next page: --cursor {visible(body['next_cursor'])}", file=sys.stderr)
        elif args.output == "jsonl":
            for item in body["items"]:
                print(dump_item(item))
        else:
            print(reply.text)
        return Exit.OK
    pages = client.pages(args.limit, args.cursor)
    if args.output == "table":
        print(items_table([item for page in pages for item in page], typed=_typed(args)))
    elif args.output == "jsonl":
        for page in pages:
            for item in page:
                print(dump_item(item))
    else:
        # The shape of one page, streamed: memory stays flat however many items there are.
        out = sys.stdout
        out.write('{"items":[')
        first = True
        for page in pages:
            for item in page:
                out.write(("" if first else ",") + jsoncodec.dumps(item))
                first = False
        out.write('],"next_cursor":null}\n')
    return Exit.OK


def _usage(message: str) -> int:
    """Report a misuse the parser cannot see, with the usage exit status."""
    return fail(message, Exit.USAGE)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen action with a client of the API, closing its connection after."""
    client = api_client(args)
    try:
        status: int = args.action(client, args)
        return status
    finally:
        client.close()


def register(commands: Any) -> None:
    """Add ``items`` and its subcommands to ``commands`` (the root parser's subparsers)."""
    api = api_options()
    item_format = item_format_options()
    raw = argparse.RawDescriptionHelpFormatter
    items = commands.add_parser(
        "items",
        help="get, put, patch, delete and list items through the REST API",
        description="One item at a time through the REST API (/items). Output is JSON unless --output table. "
        "Items are plain JSON unless --format dynamodb: then they are read and printed as DynamoDB JSON "
        '({"S": "text"}, {"N": "1"}, {"SS": [...]}, {"B": "<base64>"}), which keeps every type exactly. '
        + EXIT_CODES_HELP
        + ".",
        epilog="examples:\n"
        '  dynamodbmanager items put \'{"id": "42", "name": "Ada"}\'\n'
        "  dynamodbmanager items get 42 --output table\n"
        "  dynamodbmanager items get 42 --format dynamodb > item.json\n"
        "  dynamodbmanager items put @item.json --format dynamodb\n"
        "  dynamodbmanager items list --all --output jsonl > items.jsonl",
        formatter_class=raw,
    )
    actions = items.add_subparsers(dest="action_name", required=True, metavar="ACTION")

    def action(name: str, help_text: str, examples: tuple[str, ...], handler: Any, outputs: tuple[str, ...]) -> Any:
        """Add one action's parser, with the API options, ``--format`` and, if it prints items, ``--output``."""
        parser = actions.add_parser(
            name,
            help=help_text,
            description=f"{help_text[0].upper()}{help_text[1:]}. {EXIT_CODES_HELP}.",
            epilog=("example:\n" if len(examples) == 1 else "examples:\n") + "\n".join(f"  {e}" for e in examples),
            parents=[api, item_format],
            formatter_class=raw,
        )
        if outputs:
            parser.add_argument(
                "--output",
                "-o",
                choices=outputs,
                default="json",
                help="json (default, exact) or a readable table (with a column of types under --format dynamodb)",
            )
        parser.set_defaults(run=_run, action=handler, output="json")
        return parser

    get = action(
        "get",
        "print one item",
        ("dynamodbmanager items get 42 --output table", "dynamodbmanager items get 42 --format dynamodb"),
        _get,
        ("json", "table"),
    )
    get.add_argument("id", help="the item's id")

    put = action(
        "put",
        "create or replace an item (POST /items when it has no id, else PUT /items/{id})",
        (
            "dynamodbmanager items put @item.json --if-match 3",
            'dynamodbmanager items put \'{"id": {"S": "42"}, "tags": {"SS": ["a", "b"]}}\' --format dynamodb',
        ),
        _put,
        ("json", "table"),
    )
    put.add_argument("body", nargs="?", metavar="JSON", help=BODY_HELP)
    put.add_argument("--id", help="the item's id, when the body has none or to check it matches")
    precondition = put.add_mutually_exclusive_group()
    precondition.add_argument(
        "--if-match", type=version_arg, metavar="VERSION", help="replace only version VERSION (else exit 3)"
    )
    precondition.add_argument(
        "--create-only", action="store_true", help="create only, never replace (exit 3 when the id exists)"
    )

    patch = action(
        "patch",
        "merge a JSON Merge Patch into an item (null removes an attribute)",
        (
            'dynamodbmanager items patch 42 \'{"name": "Ada L.", "nickname": null}\'',
            'dynamodbmanager items patch 42 \'{"tags": {"SS": ["a", "c"]}}\' --format dynamodb',
        ),
        _patch,
        ("json", "table"),
    )
    patch.add_argument("id", help="the item's id")
    patch.add_argument(
        "body",
        nargs="?",
        metavar="JSON",
        help=BODY_HELP + "; under --format dynamodb each typed value replaces its attribute whole",
    )
    patch.add_argument("--if-match", type=version_arg, metavar="VERSION", help="patch only version VERSION")

    delete = action("delete", "delete an item", ("dynamodbmanager items delete 42 --if-match 2",), _delete, ())
    delete.add_argument("id", help="the item's id")
    delete.add_argument("--if-match", type=version_arg, metavar="VERSION", help="delete only version VERSION")

    listing = action(
        "list",
        "list items a page at a time, or all of them with --all",
        (
            "dynamodbmanager items list --all --output table",
            "dynamodbmanager items list --all --output jsonl --format dynamodb > items.jsonl",
        ),
        _list,
        ("json", "jsonl", "table"),
    )
    listing.add_argument("--limit", type=int, metavar="N", help="items per page, 1 to 1000 (the API's default: 50)")
    listing.add_argument("--cursor", help="start at this page (the next_cursor of the previous one)")
    listing.add_argument("--all", action="store_true", help="follow the cursor to the last page")
