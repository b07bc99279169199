"""``dynamodbmanager items get|put|patch|delete|list``: one item at a time through the REST API."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from dynamodbmanager import jsoncodec
from dynamodbmanager.cli.output import (
    EXIT_CODES_HELP,
    Exit,
    api_client,
    api_options,
    item_table,
    items_table,
    read_json_object,
    version_arg,
)
from dynamodbmanager.datatools.formats import dump_item

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient, Reply

BODY_HELP = "the JSON object: text, @FILE, or - for standard input (the default when it is piped)"


def _print_item(reply: Reply, output: str) -> None:
    if output == "table":
        print(item_table(reply.json()))
    else:
        print(reply.text)


def _get(client: ApiClient, args: argparse.Namespace) -> int:
    _print_item(client.get(args.id), args.output)
    return Exit.OK


def _put(client: ApiClient, args: argparse.Namespace) -> int:
    item = read_json_object(args.body, sys.stdin)
    item_id = args.id if args.id is not None else item.get("id")
    if item_id is None:
        if args.if_match is not None:
            return _usage("--if-match needs the item's id (--id or an 'id' in the body)")
        _print_item(client.create(item), args.output)
    elif not isinstance(item_id, str):
        return _usage("the item's 'id' must be a string")
    else:
        _print_item(client.put(item_id, item, if_match=args.if_match, create_only=args.create_only), args.output)
    return Exit.OK


def _patch(client: ApiClient, args: argparse.Namespace) -> int:
    patch = read_json_object(args.body, sys.stdin, "the merge patch")
    _print_item(client.patch(args.id, patch, if_match=args.if_match), args.output)
    return Exit.OK


def _delete(client: ApiClient, args: argparse.Namespace) -> int:
    client.delete(args.id, if_match=args.if_match)
    print(f"deleted {args.id!r}", file=sys.stderr)
    return Exit.OK


def _list(client: ApiClient, args: argparse.Namespace) -> int:
    if not args.all:
        reply = client.list_page(args.limit, args.cursor)
        body = reply.json()
        if args.output == "table":
            print(items_table(body["items"]))
            if body.get("next_cursor"):
                print(f"next page: --cursor {body['next_cursor']}", file=sys.stderr)
        elif args.output == "jsonl":
            for item in body["items"]:
                print(dump_item(item))
        else:
            print(reply.text)
        return Exit.OK
    pages = client.pages(args.limit, args.cursor)
    if args.output == "table":
        print(items_table([item for page in pages for item in page]))
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
    print(f"error: {message}", file=sys.stderr)
    return Exit.USAGE


def _run(args: argparse.Namespace) -> int:
    client = api_client(args)
    try:
        status: int = args.action(client, args)
        return status
    finally:
        client.close()


def register(commands: Any) -> None:
    """Add ``items`` and its subcommands to ``commands`` (the root parser's subparsers)."""
    api = api_options()
    raw = argparse.RawDescriptionHelpFormatter
    items = commands.add_parser(
        "items",
        help="get, put, patch, delete and list items through the REST API",
        description="One item at a time through the REST API (/items). Output is JSON unless --output table. "
        + EXIT_CODES_HELP
        + ".",
        epilog="examples:\n"
        '  dynamodbmanager items put \'{"id": "42", "name": "Ada"}\'\n'
        "  dynamodbmanager items get 42 --output table\n"
        "  dynamodbmanager items list --all --output jsonl > items.jsonl",
        formatter_class=raw,
    )
    actions = items.add_subparsers(dest="action_name", required=True, metavar="ACTION")

    def action(name: str, help_text: str, example: str, handler: Any, outputs: tuple[str, ...]) -> Any:
        parser = actions.add_parser(
            name,
            help=help_text,
            description=f"{help_text[0].upper()}{help_text[1:]}. {EXIT_CODES_HELP}.",
            epilog=f"example:\n  {example}",
            parents=[api],
            formatter_class=raw,
        )
        if outputs:
            parser.add_argument(
                "--output", "-o", choices=outputs, default="json", help="json (default, exact) or a readable table"
            )
        parser.set_defaults(run=_run, action=handler, output="json")
        return parser

    get = action("get", "print one item", "dynamodbmanager items get 42 --output table", _get, ("json", "table"))
    get.add_argument("id", help="the item's id")

    put = action(
        "put",
        "create or replace an item (POST /items when it has no id, else PUT /items/{id})",
        "dynamodbmanager items put @item.json --if-match 3",
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
        'dynamodbmanager items patch 42 \'{"name": "Ada L.", "nickname": null}\'',
        _patch,
        ("json", "table"),
    )
    patch.add_argument("id", help="the item's id")
    patch.add_argument("body", nargs="?", metavar="JSON", help=BODY_HELP)
    patch.add_argument("--if-match", type=version_arg, metavar="VERSION", help="patch only version VERSION")

    delete = action("delete", "delete an item", "dynamodbmanager items delete 42 --if-match 2", _delete, ())
    delete.add_argument("id", help="the item's id")
    delete.add_argument("--if-match", type=version_arg, metavar="VERSION", help="delete only version VERSION")

    listing = action(
        "list",
        "list items a page at a time, or all of them with --all",
        "dynamodbmanager items list --all --output table",
        _list,
        ("json", "jsonl", "table"),
    )
    listing.add_argument("--limit", type=int, metavar="N", help="items per page, 1 to 1000 (the API's default: 50)")
    listing.add_argument("--cursor", help="start at this page (the next_cursor of the previous one)")
    listing.add_argument("--all", action="store_true", help="follow the cursor to the last page")
