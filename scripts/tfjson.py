#!/usr/bin/env python3
"""What scripts/tf reads from ``terraform show -json`` (of the state or of a plan file). Standard library only.

  tfjson.py protected-table        JSON on stdin; prints the items table's name if it has deletion protection on
  tfjson.py redact PLAN_JSON_FILE  readable plan on stdin; prints it with every sensitive value redacted

Terraform redacts in a readable plan the attributes a provider marks sensitive, but a provider may repeat
such a value in an attribute it does not mark: the usage plan key repeats the API key's value, in clear.
So every value marked sensitive anywhere in the plan is redacted wherever it appears in the text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

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


def main(argv: list[str]) -> int:
    """Run one subcommand; 2 on bad usage, 1 when there is nothing to read."""
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
