"""``dynamodbmanager items get|put|patch|delete|list|query``: items one at a time, and partitions, through the REST API.

Every command that addresses an item asks the API for the table's design once (``GET /table``), so an item is
named by its whole key in the table's own types: ``items get 42`` on the default table, ``items get CUSTOMER#1
ORDER#42`` on a single-table design. A number key is its decimal text and a binary key base64 (standard or
URL-safe); the path carries it as the API wants it.

With ``--format dynamodb`` items go in and come out as DynamoDB JSON (``?format=dynamodb``), so sets, binary
and every other type DynamoDB holds pass through the command unchanged.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

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
    item_grid,
    items_grid,
    print_table,
    read_json_object,
    version_arg,
    visible,
)
from dynamodbmanager.client import MERGE_PATCH_TYPE
from dynamodbmanager.datatools.formats import dump_item
from dynamodbmanager.datatools.shape import UnknownDesign, from_design
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.keys import Keys

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient, Reply
    from dynamodbmanager.schema import Index, KeyAttribute, TableShape

BODY_HELP = "the JSON object: text, @FILE, or - for standard input (the default when it is piped)"
KEY_HELP = "a string as it is, a number as decimal text, binary as standard or URL-safe base64"
TypedKey = dict[str, dict[str, Any]]
_TYPE_NAMES = {"S": "a string", "N": "a number", "B": "binary"}
_TYPED_EXAMPLES = {"S": '{"S": "..."}', "N": '{"N": "..."}', "B": '{"B": "<base64>"}'}
_URL_SAFE_TO_STANDARD = str.maketrans("-_", "+/")
#: The sort key conditions of ``items query``, as the API names them in the query string.
_CONDITIONS = ("eq", "lt", "lte", "gt", "gte", "begins_with")


def _typed(args: argparse.Namespace) -> bool:
    """Whether the command speaks DynamoDB JSON (``--format dynamodb``)."""
    return bool(args.item_format == DYNAMODB)


def _format_query(args: argparse.Namespace) -> str:
    """The query string that asks for the command's item format: none for plain JSON, the API's default."""
    return f"?format={DYNAMODB}" if _typed(args) else ""


def _table_shape(client: ApiClient) -> TableShape:
    """The table's key and indexes, asked once with ``GET /table``: how the command names and orders items."""
    return from_design(client.request("GET", "/table").json())


def _checked(keys: Keys, attribute: KeyAttribute, typed: dict[str, Any], *, sort: bool) -> dict[str, Any]:
    """A typed key value the table takes (not empty, within DynamoDB's sizes); a usage error otherwise."""
    try:
        return keys.check(attribute, typed, sort=sort)
    except BadRequest as exc:
        raise UsageError(exc.message) from None


def _binary_text(attribute: KeyAttribute, text: str) -> bytes:
    """Binary key text as bytes: standard or URL-safe base64, padded or not."""
    bare = text.rstrip("=").translate(_URL_SAFE_TO_STANDARD)
    try:
        return base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            f"the key attribute {attribute.describe()} is base64 (standard or URL-safe), not {text!r}"
        ) from None


def _key_value(keys: Keys, attribute: KeyAttribute, text: str, *, sort: bool) -> dict[str, Any]:
    """A key value given on the command line, typed as the table declares it and checked."""
    if attribute.type == "B":
        return _checked(keys, attribute, {"B": _binary_text(attribute, text)}, sort=sort)
    if attribute.type == "N":
        try:
            finite = Decimal(text).is_finite()
        except InvalidOperation:
            finite = False
        if not finite:
            raise UsageError(f"the key attribute {attribute.describe()} takes decimal text such as 42, not {text!r}")
    return _checked(keys, attribute, {attribute.type: text}, sort=sort)


def _key_of(keys: Keys, words: Sequence[str], action: str) -> TypedKey:
    """The item key named by the command's words, one per key attribute of the table."""
    shape = keys.shape
    if len(words) != len(shape.key):
        example = " ".join([action, *(attribute.name for attribute in shape.key)])
        example += " JSON" if action in ("put", "patch") else ""
        hint = f"; 'items query {shape.partition.name}' lists a partition" if shape.sort and action == "get" else ""
        raise UsageError(
            f"the table's key is {', '.join(a.describe() for a in shape.key)}: "
            f"give {'its value' if len(shape.key) == 1 else 'both values'}, as in 'items {example}'{hint}"
        )
    return {
        attribute.name: _key_value(keys, attribute, text, sort=position == 1)
        for position, (attribute, text) in enumerate(zip(shape.key, words, strict=True))
    }


def _body_value(keys: Keys, attribute: KeyAttribute, value: Any, *, typed: bool, sort: bool) -> dict[str, Any]:
    """A key attribute of an item body as its typed value: ``{"S": ...}`` in DynamoDB JSON, bare in plain JSON."""
    kind, where = attribute.type, f"the item's '{attribute.name}'"
    if typed:
        if not (isinstance(value, dict) and list(value) == [kind] and isinstance(value[kind], str)):
            raise UsageError(f"{where} must be {_TYPE_NAMES[kind]}, written {_TYPED_EXAMPLES[kind]} in DynamoDB JSON")
        if kind == "B":
            try:
                return _checked(keys, attribute, {"B": dynamodb_json.binary(value[kind], where)}, sort=sort)
            except BadRequest as exc:
                raise UsageError(exc.message) from None
        return _checked(keys, attribute, {kind: value[kind]}, sort=sort)
    if kind == "B":
        raise UsageError(
            f"{where} is binary, which plain JSON cannot say: give the key before the JSON, or use --format dynamodb"
        )
    if kind == "S" and isinstance(value, str):
        return _checked(keys, attribute, {"S": value}, sort=sort)
    if kind == "N" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return _checked(keys, attribute, {"N": str(value)}, sort=sort)
    raise UsageError(f"{where} must be {_TYPE_NAMES[kind]}")


def _key_in_body(keys: Keys, item: Mapping[str, Any], typed: bool) -> TypedKey | None:
    """The whole key an item body holds, checked; None when it lacks a key attribute (POST makes or refuses one)."""
    key = {
        attribute.name: _body_value(keys, attribute, item[attribute.name], typed=typed, sort=position == 1)
        for position, attribute in enumerate(keys.shape.key)
        if attribute.name in item
    }
    return key if len(key) == len(keys.shape.key) else None


def _if_match(version: int | None) -> dict[str, str]:
    """The ``If-Match`` header naming ``version``, or none."""
    return {} if version is None else {"If-Match": f'"{version}"'}


def _key_names(shape: TableShape, index: Index | None = None) -> tuple[str, ...]:
    """The key attributes a table of items shows first: the table's, then the index's own."""
    names = shape.key_names
    return names + tuple(a.name for a in index.key if a.name not in names) if index is not None else names


def _print_item(reply: Reply, args: argparse.Namespace, shape: TableShape) -> None:
    """Print the item an answer holds: its text exactly as the API sent it, or a table with the key first."""
    if args.output == "table":
        print_table(item_grid(reply.json(), typed=_typed(args), key=shape.key_names))
    else:
        print(reply.text)


def _get(client: ApiClient, args: argparse.Namespace) -> int:
    """Print one item."""
    shape = _table_shape(client)
    keys = Keys(shape)
    key = _key_of(keys, [args.pk, *([args.sk] if args.sk is not None else [])], "get")
    _print_item(client.request("GET", keys.path(key) + _format_query(args)), args, shape)
    return Exit.OK


def _put(client: ApiClient, args: argparse.Namespace) -> int:
    """Create the item (POST when it has no key) or replace it (PUT at its key), and print what was stored."""
    shape = _table_shape(client)
    keys = Keys(shape)
    words: list[str] = args.words
    if len(words) not in (0, 1, len(shape.key) + 1):
        names = " ".join(attribute.name for attribute in shape.key)
        raise UsageError(f"give the item's key then the JSON ('items put {names} JSON'), or only the JSON")
    key_words = words[:-1]
    if args.id is not None:
        if key_words:
            raise UsageError("give the key once: before the JSON or with --id, not both")
        key_words = [args.id]
    path_key = _key_of(keys, key_words, "put") if key_words else None
    item = read_json_object(words[-1] if words else None, sys.stdin)
    key = _key_in_body(keys, item, _typed(args))
    if path_key is not None:
        key = path_key
    if key is None:
        if args.if_match is not None:
            names = ", ".join(f"'{name}'" for name in shape.key_names)
            return _usage(f"--if-match needs the item's whole key ({names}): before the JSON or in the body")
        _print_item(client.request("POST", "/items" + _format_query(args), item), args, shape)
        return Exit.OK
    headers = _if_match(args.if_match)
    if args.create_only:
        headers["If-None-Match"] = "*"
    reply = client.request("PUT", keys.path(key) + _format_query(args), item, headers=headers)
    _print_item(reply, args, shape)
    return Exit.OK


def _patch(client: ApiClient, args: argparse.Namespace) -> int:
    """Merge a patch into the item and print the result."""
    shape = _table_shape(client)
    keys = Keys(shape)
    words = [word for word in (args.pk, args.sk, args.body) if word is not None]
    arity = len(shape.key)
    key = _key_of(keys, words[:arity], "patch")
    patch = read_json_object(words[arity] if len(words) > arity else None, sys.stdin, "the merge patch")
    reply = client.request(
        "PATCH",
        keys.path(key) + _format_query(args),
        patch,
        headers=_if_match(args.if_match),
        content_type=MERGE_PATCH_TYPE,
    )
    _print_item(reply, args, shape)
    return Exit.OK


def _delete(client: ApiClient, args: argparse.Namespace) -> int:
    """Delete the item and say so on stderr, keeping stdout for data; the key's hidden characters shown escaped."""
    shape = _table_shape(client)
    keys = Keys(shape)
    words = [args.pk, *([args.sk] if args.sk is not None else [])]
    key = _key_of(keys, words, "delete")
    client.request("DELETE", keys.path(key), headers=_if_match(args.if_match))
    if len(words) == 1:
        named = f"'{visible(words[0])}'"
    else:
        named = ", ".join(f"{name} '{visible(word)}'" for name, word in zip(shape.key_names, words, strict=True))
    print(f"deleted {named}", file=sys.stderr)
    return Exit.OK


def _pages(fetch: Callable[[str | None], Reply], cursor: str | None) -> Iterator[list[dict[str, Any]]]:
    """Every page from ``cursor`` (the first page by default) to the last, following ``next_cursor``."""
    while True:
        body = fetch(cursor).json()
        yield body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return


def _print_pages(args: argparse.Namespace, fetch: Callable[[str | None], Reply], key: Sequence[str]) -> int:
    """Print one page of items, or every page with ``--all``, as JSON, JSON lines or a table (``key`` first)."""
    if not args.all:
        reply = fetch(args.cursor)
        body = reply.json()
        if args.output == "table":
            print_table(items_grid(body["items"], typed=_typed(args), key=key))
            if body.get("next_cursor"):
                print(f"next page: --cursor {visible(body['next_cursor'])}", file=sys.stderr)
        elif args.output == "jsonl":
            for item in body["items"]:
                print(dump_item(item))
        else:
            print(reply.text)
        return Exit.OK
    pages = _pages(fetch, args.cursor)
    if args.output == "table":
        print_table(items_grid([item for page in pages for item in page], typed=_typed(args), key=key))
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


def _list(client: ApiClient, args: argparse.Namespace) -> int:
    """Print one page of items, or every page with ``--all``; a table needs the design, to show the key first."""
    key = _table_shape(client).key_names if args.output == "table" else ()
    return _print_pages(args, lambda cursor: client.list_page(args.limit, cursor), key)


def _condition(keys: Keys, sort: KeyAttribute | None, args: argparse.Namespace, where: str) -> dict[str, str]:
    """The query string's sort key condition: one of :data:`_CONDITIONS`, or ``from`` and ``to`` for --between."""
    given = {name: getattr(args, name) for name in _CONDITIONS if getattr(args, name) is not None}
    if args.between is not None:
        given = {"from": args.between[0], "to": args.between[1]}
    if not given:
        return {}
    if sort is None:
        raise UsageError(f"{where} has no sort key, so a sort key condition cannot apply")
    return {name: _path_form(sort, _key_value(keys, sort, text, sort=True)) for name, text in given.items()}


def _path_form(attribute: KeyAttribute, typed: Mapping[str, Any]) -> str:
    """A key value as the API reads it in a path or query string (before encoding): binary as URL-safe base64."""
    value = typed[attribute.type]
    if attribute.type == "B":
        return base64.urlsafe_b64encode(bytes(value)).rstrip(b"=").decode("ascii")
    return str(value)


def _query(client: ApiClient, args: argparse.Namespace) -> int:
    """Print a partition of the table or of an index, sorted by its sort key: a page, or every page with --all."""
    shape = _table_shape(client)
    keys = Keys(shape)
    index: Index | None = None
    if args.index is not None:
        if args.index not in shape.indexes:
            known = ", ".join(sorted(shape.indexes)) or "none"
            raise UsageError(f"the table has no index {args.index!r}; its indexes: {known}")
        index = shape.indexes[args.index]
        key, where = index.key, f"index {index.name!r}"
        collection = f"/indexes/{quote(index.name, safe='')}/items/"
    elif shape.sort is None:
        raise UsageError(
            f"the table's key is {shape.partition.describe()} alone, so a partition holds one item: "
            "'items get' reads it; query an index with --index"
        )
    else:
        key, where, collection = shape.key, "the table", "/items/"
    partition = _key_value(keys, key[0], args.pk, sort=False)
    path = collection + keys.path_text(key[0], partition)
    params = _condition(keys, key[1] if len(key) > 1 else None, args, where)
    if args.desc:
        params["order"] = "desc"
    if args.limit is not None:
        params["limit"] = str(args.limit)
    if _typed(args):
        params["format"] = DYNAMODB

    def fetch(cursor: str | None) -> Reply:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        return client.request("GET", path + (f"?{urlencode(query, quote_via=quote)}" if query else ""))

    return _print_pages(args, fetch, _key_names(shape, index))


def _usage(message: str) -> int:
    """Report a misuse the parser cannot see, with the usage exit status."""
    return fail(message, Exit.USAGE)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen action with a client of the API, closing its connection after."""
    client = api_client(args)
    try:
        status: int = args.action(client, args)
        return status
    except UnknownDesign as exc:
        return fail(str(exc), Exit.UNAVAILABLE)
    finally:
        client.close()


def _add_key(parser: argparse.ArgumentParser) -> None:
    """The item's key as positional arguments: the partition key, then the sort key when the table has one."""
    parser.add_argument("pk", metavar="PK", help=f"the item's partition key (the id on the default table): {KEY_HELP}")
    parser.add_argument("sk", metavar="SK", nargs="?", help="the item's sort key, when the table has one")


def register(commands: Any) -> None:
    """Add ``items`` and its subcommands to ``commands`` (the root parser's subparsers)."""
    api = api_options()
    item_format = item_format_options()
    raw = argparse.RawDescriptionHelpFormatter
    items = commands.add_parser(
        "items",
        help="get, put, patch, delete, list and query items through the REST API",
        description="One item at a time through the REST API (/items), named by its whole key as the table's design "
        "(GET /table) declares it: the partition key, then the sort key when the table has one; a number as decimal "
        "text, binary as base64. 'items query' reads one partition of the table or of an index. Output is JSON "
        "unless --output table. Items are plain JSON unless --format dynamodb: then they are read and printed as "
        'DynamoDB JSON ({"S": "text"}, {"N": "1"}, {"SS": [...]}, {"B": "<base64>"}), which keeps every type '
        "exactly. " + EXIT_CODES_HELP + ".",
        epilog="examples:\n"
        '  dynamodbmanager items put \'{"id": "42", "name": "Ada"}\'\n'
        "  dynamodbmanager items get 42 --output table\n"
        "  dynamodbmanager items get 42 --format dynamodb > item.json\n"
        "  dynamodbmanager items put @item.json --format dynamodb\n"
        "  dynamodbmanager items list --all --output jsonl > items.jsonl\n"
        "  dynamodbmanager items get 'CUSTOMER#1' 'ORDER#42'            # a table with a sort key\n"
        "  dynamodbmanager items query 'CUSTOMER#1' --begins-with ORDER --desc --output table",
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
                help="json (default, exact) or a readable table, the key first "
                "(with a column of types under --format dynamodb)",
            )
        parser.set_defaults(run=_run, action=handler, output="json")
        return parser

    get = action(
        "get",
        "print one item, named by its key (PK, and SK when the table has a sort key)",
        (
            "dynamodbmanager items get 42 --output table",
            "dynamodbmanager items get 42 --format dynamodb",
            "dynamodbmanager items get 'CUSTOMER#1' 'ORDER#42'",
            "dynamodbmanager items get 7 AAE-_w     # a number partition key and a binary sort key",
        ),
        _get,
        ("json", "table"),
    )
    _add_key(get)

    put = action(
        "put",
        "create or replace an item: PUT at its key (given before the JSON, or in the body), else POST /items",
        (
            "dynamodbmanager items put @item.json --if-match 3",
            'dynamodbmanager items put \'{"id": {"S": "42"}, "tags": {"SS": ["a", "b"]}}\' --format dynamodb',
            "dynamodbmanager items put 'CUSTOMER#1' PROFILE '{\"name\": \"Ada\"}'",
            'dynamodbmanager items put \'{"PK": "CUSTOMER#1", "SK": "ORDER#42", "total": 30}\' --create-only',
        ),
        _put,
        ("json", "table"),
    )
    put.usage = "%(prog)s [PK [SK]] [JSON] [--id ID] [--if-match VERSION | --create-only] [options]"
    put.add_argument(
        "words",
        nargs="*",
        metavar="[PK [SK]] [JSON]",
        help=f"the item's key when the body lacks it ({KEY_HELP}), then {BODY_HELP}",
    )
    put.add_argument("--id", help="the key of a table keyed by one attribute, when the body has none or to check it")
    precondition = put.add_mutually_exclusive_group()
    precondition.add_argument(
        "--if-match", type=version_arg, metavar="VERSION", help="replace only version VERSION (else exit 3)"
    )
    precondition.add_argument(
        "--create-only", action="store_true", help="create only, never replace (exit 3 when the key exists)"
    )

    patch = action(
        "patch",
        "merge a JSON Merge Patch into an item (null removes an attribute)",
        (
            'dynamodbmanager items patch 42 \'{"name": "Ada L.", "nickname": null}\'',
            'dynamodbmanager items patch 42 \'{"tags": {"SS": ["a", "c"]}}\' --format dynamodb',
            "dynamodbmanager items patch 'CUSTOMER#1' 'ORDER#42' '{\"status\": \"SHIPPED\"}' --if-match 1",
        ),
        _patch,
        ("json", "table"),
    )
    _add_key(patch)
    patch.add_argument(
        "body",
        nargs="?",
        metavar="JSON",
        help=BODY_HELP + "; under --format dynamodb each typed value replaces its attribute whole",
    )
    patch.add_argument("--if-match", type=version_arg, metavar="VERSION", help="patch only version VERSION")

    delete = action(
        "delete",
        "delete an item",
        ("dynamodbmanager items delete 42 --if-match 2", "dynamodbmanager items delete 'CUSTOMER#1' 'ORDER#42'"),
        _delete,
        (),
    )
    _add_key(delete)
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
    _paging(listing)

    query = action(
        "query",
        "list one partition of the table (with a sort key) or of an index, in sort key order",
        (
            "dynamodbmanager items query 'CUSTOMER#1' --begins-with ORDER --desc --output table",
            "dynamodbmanager items query 'CUSTOMER#1' --between 'ORDER#2026-01' 'ORDER#2026-12' --all",
            "dynamodbmanager items query 'ORDER#42' --index GSI1",
            "dynamodbmanager items query OPEN --index open-orders --all --output jsonl",
        ),
        _query,
        ("json", "jsonl", "table"),
    )
    query.add_argument("pk", metavar="PK", help=f"the partition key value of the table or the index: {KEY_HELP}")
    query.add_argument("--index", metavar="NAME", help="a secondary index to query instead of the table")
    condition = query.add_mutually_exclusive_group()
    for name, text in (("eq", "="), ("lt", "<"), ("lte", "<="), ("gt", ">"), ("gte", ">=")):
        condition.add_argument(f"--{name}", metavar="V", help=f"only items whose sort key {text} V")
    condition.add_argument("--begins-with", metavar="PREFIX", help="only items whose sort key begins with PREFIX")
    condition.add_argument(
        "--between", nargs=2, metavar=("A", "B"), help="only items whose sort key is from A to B, both included"
    )
    query.add_argument("--desc", action="store_true", help="highest sort key first (default: lowest first)")
    _paging(query)


def _paging(parser: argparse.ArgumentParser) -> None:
    """``--limit``, ``--cursor`` and ``--all``, for the commands that print pages of items."""
    parser.add_argument("--limit", type=int, metavar="N", help="items per page, 1 to 1000 (the API's default: 50)")
    parser.add_argument("--cursor", help="start at this page (the next_cursor of the previous one)")
    parser.add_argument("--all", action="store_true", help="follow the cursor to the last page")
