#!/usr/bin/env python3
"""What scripts/tf reads from ``terraform show -json`` (of the state or of a plan file). Standard library only.

  tfjson.py protected-table        JSON on stdin; prints the items table's name if it has deletion protection on
  tfjson.py redact PLAN_JSON_FILE  readable plan on stdin; prints it with every sensitive value redacted
  tfjson.py table-guard ENV        plan JSON on stdin; exit status 3 when applying it would lose the items
                                   table's data (see table_guard), 0 otherwise

Terraform redacts in a readable plan the attributes a provider marks sensitive, but a provider may repeat
such a value in an attribute it does not mark: the usage plan key repeats the API key's value, in clear.
So every value marked sensitive anywhere in the plan is redacted wherever it appears in the text.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

#: The resource whose items a plan must not lose.
ITEMS_TABLE = "aws_dynamodb_table.items"
#: Set to 1 to let a plan replace or delete the items table anyway (a fresh, empty table is wanted).
ALLOW_REPLACEMENT = "ALLOW_TABLE_REPLACEMENT"
#: table-guard's exit status when it refuses a plan.
REFUSED = 3
REDACTED = "(sensitive value)"
#: Shorter sensitive values (a flag, a port) would redact ordinary words of the plan; secrets are longer.
MIN_SECRET_LENGTH = 8


def modules(module: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """A module of a state or plan representation and all its descendants."""
    if module:
        yield module
        for child in module.get("child_modules", []):
            yield from modules(child)


def protected_table(document: dict[str, Any]) -> str | None:
    """The items table's name when the state (or a plan's refreshed prior state) has its deletion protection on."""
    values = document.get("prior_state", document).get("values") or {}
    for module in modules(values.get("root_module")):
        for resource in module.get("resources", []):
            attributes = resource.get("values") or {}
            if resource.get("address") == "aws_dynamodb_table.items" and attributes.get("deletion_protection_enabled"):
                return str(attributes.get("name"))
    return None


def sensitive_values(plan: dict[str, Any]) -> set[str]:
    """Every string a plan marks sensitive: in resources' values before and after, and in outputs."""
    found: set[str] = set()

    def leaves(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                leaves(item)
        elif isinstance(value, list):
            for item in value:
                leaves(item)
        elif isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            found.add(value)

    def collect(value: Any, sensitive: Any) -> None:
        if sensitive is True:
            leaves(value)
        elif isinstance(sensitive, dict) and isinstance(value, dict):
            for key, marks in sensitive.items():
                collect(value.get(key), marks)
        elif isinstance(sensitive, list) and isinstance(value, list):
            for item, marks in zip(value, sensitive, strict=False):
                collect(item, marks)

    for section in ("prior_state", "planned_values"):
        representation = plan.get(section, {})
        values = representation.get("values", representation)
        for module in modules(values.get("root_module")):
            for resource in module.get("resources", []):
                collect(resource.get("values"), resource.get("sensitive_values"))
        for output in (values.get("outputs") or {}).values():
            if output.get("sensitive"):
                leaves(output.get("value"))
    changes = [c["change"] for c in plan.get("resource_changes", [])] + list(plan.get("output_changes", {}).values())
    for change in changes:
        collect(change.get("before"), change.get("before_sensitive"))
        collect(change.get("after"), change.get("after_sensitive"))
    return found


def redact(text: str, secrets: set[str]) -> str:
    """``text`` with each secret, quoted or bare, replaced as Terraform shows a sensitive value."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(json.dumps(secret), REDACTED).replace(secret, REDACTED)
    return text


def table_change(plan: dict[str, Any]) -> dict[str, Any] | None:
    """The plan's change of the items table (its ``resource_changes`` entry), or None when it has none."""
    for change in plan.get("resource_changes", []):
        if change.get("address") == ITEMS_TABLE and change.get("mode", "managed") == "managed":
            return dict(change)
    return None


def value_at(document: Any, path: list[Any]) -> Any:
    """The value at ``path`` (keys and list indexes, as in ``replace_paths``) of ``document``, or None."""
    for step in path:
        if isinstance(document, dict) and isinstance(step, str):
            document = document.get(step)
        elif isinstance(document, list) and isinstance(step, int) and 0 <= step < len(document):
            document = document[step]
        else:
            return None
    return document


def shown(value: Any) -> str:
    """A planned value on one line: index blocks by name, key and projection; anything else as JSON."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        blocks = []
        for block in sorted(value, key=lambda b: str(b["name"])):
            keys = ", ".join(str(block[k]) for k in ("hash_key", "range_key") if block.get(k))
            projection = " ".join(
                [str(block.get("projection_type") or "ALL"), *(block.get("non_key_attributes") or [])]
            )
            blocks.append(f"{block['name']} (key {keys or 'the table partition key'}; {projection})")
        return "[" + "; ".join(blocks) + "]"
    if value in (None, "", []):
        return "none"
    return json.dumps(value)


def key_attributes(table: dict[str, Any]) -> list[str]:
    """A table's key attributes (in its state or planned values): the partition key, then the sort key."""
    return [str(table[k]) for k in ("hash_key", "range_key") if table.get(k)]


def region_of(arn: Any) -> str | None:
    """The region in a table's ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME), if there is one."""
    parts = str(arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def migration(env: str, before: dict[str, Any], new_name: str, new_keys: list[str]) -> list[str]:
    """The commands that keep the items across a new table: export the old one, apply allowing it, import."""
    old = str(before.get("name"))
    region = region_of(before.get("arn"))
    where = f" --region {region}" if region else ""
    backup = f"{old}.export.json"
    lines = [
        "To keep the items, move them (stop the writers first: an item written after step 1 is lost):",
        f"  1. .venv/bin/dynamodbmanager export --direct --table {old}{where} --format dynamodb-json --to {backup}",
        f"  2. {ALLOW_REPLACEMENT}=1 make deploy ENV={env}"
        f"    (Jenkins: a build with the {ALLOW_REPLACEMENT} parameter ticked)",
        f"  3. .venv/bin/dynamodbmanager import --direct --table {new_name}{where} --from {backup}",
    ]
    if new_keys:
        lines.append(
            f"The new key needs {' and '.join(new_keys)} on every item: add it to the items in {backup} before "
            "step 3 (import reports each line without it, and --resume imports just those once fixed)."
        )
    if before.get("deletion_protection_enabled"):
        lines.append(
            f"{old} has deletion protection on: step 2 fails on it until table_deletion_protection = false in "
            f"terraform/environments/{env}.tfvars is deployed on its own first."
        )
    return lines


def replacement(env: str, change: dict[str, Any]) -> list[str]:
    """What a plan that replaces or deletes the items table does to it: a headline, then what forces it."""
    details = change.get("change", {})
    before, after = details.get("before") or {}, details.get("after") or {}
    name = before.get("name")
    reason = f" ({change['action_reason']})" if change.get("action_reason") else ""
    if "create" not in details.get("actions", []):
        return [f"the plan for '{env}' DELETES the items table {name}{reason}, and every item in it."]
    lines = [
        f"the plan for '{env}' REPLACES the items table {name}{reason}: DynamoDB deletes it and creates a new, "
        "empty table, so every item in it would be lost. The replacement is forced by:"
    ]
    paths = details.get("replace_paths") or []
    for path in paths:
        where = ".".join(str(step) for step in path)
        lines.append(f"  {where}: {shown(value_at(before, path))} -> {shown(value_at(after, path))}")
    if not paths:
        lines.append("  (the plan names no attribute: a -replace option, or a change of the provider)")
    return lines


def replacement_refusal(env: str, change: dict[str, Any]) -> list[str]:
    """Why a plan that replaces or deletes the items table is refused, and how to migrate its items."""
    details = change.get("change", {})
    before, after = details.get("before") or {}, details.get("after") or {}
    lines = replacement(env, change)
    lines[0] = "refusing to apply: " + lines[0]
    lines.append("Nothing was changed, and the saved plan was removed so that it cannot be applied.")
    if "create" in details.get("actions", []):
        new_name = str(after.get("name") or before.get("name"))
        new_keys = [k for k in key_attributes(after) if k not in key_attributes(before)]
        lines += migration(env, before, new_name, new_keys)
        lines.append(f"Only when a new, empty table is really wanted: step 2 alone ({ALLOW_REPLACEMENT}=1).")
    else:
        lines.append(
            "If the table is meant to stay, its resource was renamed or removed from the configuration: restore it, "
            f"or add a moved block. To delete it deliberately, export its items first and run 'make destroy ENV={env}' "
            f"(or deploy with {ALLOW_REPLACEMENT}=1)."
        )
    return lines


def table_shape(plan: dict[str, Any]) -> dict[str, Any] | None:
    """The table's design as the plan hands it to the function (its TABLE_SHAPE variable), when the plan knows it."""
    for change in plan.get("resource_changes", []):
        if change.get("type") != "aws_lambda_function":
            continue
        for environment in value_at(change, ["change", "after", "environment"]) or []:
            shape = (environment.get("variables") or {}).get("TABLE_SHAPE")
            if isinstance(shape, str):
                try:
                    parsed = json.loads(shape)
                except json.JSONDecodeError:
                    return None
                return parsed if isinstance(parsed, dict) else None
    return None


def unseen_changes(plan: dict[str, Any], change: dict[str, Any]) -> list[str]:
    """Each way the table the plan leaves differs from the design it hands the function.

    The AWS provider tells the table's attributes and local indexes apart by name only: a key attribute's type,
    or a local index's projection, changed in the definition file plans as no change of the table at all, while
    the function is told the new design, so its requests would no longer fit the table.
    """
    shape = table_shape(plan)
    table = value_at(change, ["change", "after"])
    if not shape or not isinstance(table, dict):
        return []
    types = {a.get("name"): a.get("type") for a in table.get("attribute") or []}
    found: list[str] = []

    def compare(what: str, wanted: Any, actual: Any) -> None:
        """Note how a key of the design (``[name, type]``, or None) differs from the table's key ``actual``."""
        wanted_name, wanted_type = wanted[:2] if wanted else (None, None)
        if (actual or None) != wanted_name:
            found.append(f"{what}: the table's is {actual or 'none'}, the definition's {wanted_name or 'none'}")
        elif wanted_name and types.get(wanted_name, wanted_type) != wanted_type:
            found.append(
                f"{what} {wanted_name}: the table's type is {types[wanted_name]}, the definition's {wanted_type}"
            )

    compare("partition key", shape.get("pk"), table.get("hash_key"))
    compare("sort key", shape.get("sk"), table.get("range_key"))
    blocks = {"GSI": "global_secondary_index", "LSI": "local_secondary_index"}
    for name, index in sorted((shape.get("indexes") or {}).items()):
        kind = str(index.get("kind"))
        block = next((b for b in table.get(blocks.get(kind, ""), None) or [] if b.get("name") == name), None)
        if block is None:
            found.append(f"{kind} {name}: the table has no such index")
            continue
        if kind == "GSI":
            compare(f"{kind} {name}'s partition key", index.get("pk"), block.get("hash_key"))
        compare(f"{kind} {name}'s sort key", index.get("sk"), block.get("range_key"))
        projection = block.get("projection_type") or "ALL"
        if index.get("projection") != projection:
            found.append(
                f"{kind} {name}'s projection: the table's is {projection}, the definition's {index.get('projection')}"
            )
    return found


def unseen_refusal(env: str, change: dict[str, Any], differences: list[str]) -> list[str]:
    """Why a plan that leaves the table unlike its definition is refused, and how to move the items."""
    before = value_at(change, ["change", "before"]) or value_at(change, ["change", "after"]) or {}
    return [
        f"refusing to apply: the definition file changes the design of the items table {before.get('name')} in a "
        f"way DynamoDB cannot change in place, and the plan for '{env}' does not replace the table either (the AWS "
        "provider compares attributes and local indexes by name only). The function would be told the new "
        "design, while the table keeps the old one:",
        *(f"  {difference}" for difference in differences),
        "Nothing was changed, and the saved plan was removed so that it cannot be applied.",
        "Either restore the design in the definition file, or give the table a new name as well (table_name in "
        f"terraform/environments/{env}.tfvars), so that the plan replaces it with a table of the new design.",
        *migration(env, before, "NEW_NAME", []),
    ]


def table_guard(plan: dict[str, Any], env: str, allow_replacement: bool = False) -> tuple[int, list[str]]:
    """Check a plan before it is applied: the exit status (0 go on, ``REFUSED`` stop) and the lines to print.

    Refused: a plan whose actions on the items table include "delete" (a replacement, delete then create or
    create then delete, or a plain deletion), which loses every item, unless ``allow_replacement``; and a plan
    that leaves the table unlike the design it hands the function (``unseen_changes``), which the escape hatch
    cannot help: applying it would not replace the table either.
    """
    change = table_change(plan)
    if change is None:
        return 0, ["the plan does not touch the items table"]
    details = change.get("change", {})
    actions = list(details.get("actions", []))
    if "delete" in actions:
        if allow_replacement:
            lines = replacement(env, change)
            return 0, [f"WARNING: {ALLOW_REPLACEMENT}=1, so applying anyway: {lines[0]}", *lines[1:]]
        return REFUSED, replacement_refusal(env, change)
    differences = unseen_changes(plan, change)
    if differences:
        return REFUSED, unseen_refusal(env, change, differences)
    name = (details.get("after") or details.get("before") or {}).get("name")
    verbs = {"create": "creates", "update": "updates in place", "no-op": "leaves unchanged"}
    verb = verbs.get("-".join(actions), "-".join(actions))
    return 0, [f"the plan {verb} the items table {name}, whose items it keeps"]


def main(argv: list[str]) -> int:
    """Run one subcommand; 2 on bad usage, 1 when there is nothing to read, 3 when table-guard refuses the plan."""
    if argv[:1] == ["table-guard"] and len(argv) == 2:
        try:
            plan = json.load(sys.stdin)
        except json.JSONDecodeError as error:
            print(f"tfjson.py: no plan JSON to check on standard input ({error})", file=sys.stderr)
            return 1
        allow = os.environ.get(ALLOW_REPLACEMENT, "0").strip().lower() in {"1", "true", "yes"}
        status, lines = table_guard(plan, argv[1], allow)
        stream = sys.stderr if status or lines[0].startswith("WARNING") else sys.stdout
        for line in lines:
            print(f"scripts/tf: {line}", file=stream)
        return status
    if argv[:1] == ["protected-table"] and len(argv) == 1:
        table = protected_table(json.load(sys.stdin))
        if table:
            print(table)
        return 0
    if argv[:1] == ["redact"] and len(argv) == 2:
        with open(argv[1], encoding="utf-8") as plan_json:
            secrets = sensitive_values(json.load(plan_json))
        text = sys.stdin.read()
        if not text:
            print("tfjson.py: the readable plan is empty", file=sys.stderr)
            return 1
        sys.stdout.write(redact(text, secrets))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
