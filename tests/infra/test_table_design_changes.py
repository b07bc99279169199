"""Changing the items table's design: what a plan may change in place, and what the table guard refuses.

First the guard itself (``scripts/tf check-plan``, which runs ``scripts/tfjson.py table-guard`` on the saved
plan's JSON) on hand-written plans: a replacement or a deletion of the items table is refused with exit status
3, a message naming what forces it and the migration (export, apply, import); an update, no change, or a plan
without the table goes through; ALLOW_TABLE_REPLACEMENT=1 lets a replacement through, with a warning.

Then one apply cycle of the single-table design (examples/single-table.json) on an emulator of its own, in a
checkout of its own, through the scripts a user runs: ``scripts/deploy dev``; boto3 reads the table's keys,
indexes and projections and the function's permissions; a second plan shows no changes; a global index added
to the definition is an update in place the guard lets through, applied; and, meanwhile, in ``prod`` of the
same checkout, a table without a sort key (adopted as the README says) whose definition gains one: the guard
refuses the replacement before anything is touched, and the table keeps its item. ``scripts/destroy dev`` ends.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamodbmanager.local.emulator import Emulator, start_emulator
from dynamodbmanager.local.processes import ManagedProcess
from dynamodbmanager.schema import items_table_definition

from .conftest import ROOT, SCRIPTS, Terraform, load_tfjson
from .test_apply_on_emulator import STATE_BUCKET, Environment, inventory, policy_document

SINGLE_TABLE = ROOT / "examples" / "single-table.json"
DEV_TABLE = "dynamodbmanager-dev-items"
#: The table prod adopts: the seed's design (key `id` alone), with an item of its own.
SEED_TABLE = "anything"
SEED_ITEM = {"id": {"S": "seed-1"}, "name": {"S": "written before the design changed"}}
#: The sort key prod's definition adds to it.
NEW_SORT_KEY = "createdAt"
#: The global index the single-table design gains, with a projection of its own.
NEW_INDEX = {
    "IndexName": "by-email",
    "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]},
}


# --- The guard on hand-written plans ------------------------------------------------------------------


#: The items table as the state holds it: a key `id` alone, deletion protection off.
TABLE: dict[str, Any] = {
    "name": "dynamodbmanager-dev-items",
    "arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/dynamodbmanager-dev-items",
    "hash_key": "id",
    "range_key": None,
    "attribute": [{"name": "id", "type": "S"}],
    "global_secondary_index": [],
    "local_secondary_index": [],
    "deletion_protection_enabled": False,
}
#: The same table with a sort key, as a definition that adds one plans it.
WITH_SORT_KEY: dict[str, Any] = {
    **TABLE,
    "range_key": "SK",
    "attribute": [{"name": "SK", "type": "S"}, {"name": "id", "type": "S"}],
}


def table_change(actions: list[str], before: Any = TABLE, after: Any = TABLE, **extra: Any) -> dict[str, Any]:
    """A ``resource_changes`` entry of the items table."""
    change = {"actions": actions, "before": before, "after": after, **extra.pop("change", {})}
    return {
        "address": "aws_dynamodb_table.items",
        "mode": "managed",
        "type": "aws_dynamodb_table",
        "name": "items",
        "change": change,
        **extra,
    }


def function_change(shape: dict[str, Any]) -> dict[str, Any]:
    """A ``resource_changes`` entry of the function, handed ``shape`` as its TABLE_SHAPE."""
    after = {"environment": [{"variables": {"TABLE_SHAPE": json.dumps(shape), "LOG_LEVEL": "INFO"}}]}
    return {"address": "aws_lambda_function.this", "type": "aws_lambda_function", "change": {"after": after}}


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    """A plan's JSON with these resource changes."""
    return {"format_version": "1.2", "resource_changes": list(changes)}


def guard(document: dict[str, Any], allow: str | None = None) -> subprocess.CompletedProcess[str]:
    """``tfjson.py table-guard dev`` on ``document``, as scripts/tf check-plan runs it."""
    env = {key: value for key, value in os.environ.items() if key != "ALLOW_TABLE_REPLACEMENT"}
    if allow is not None:
        env["ALLOW_TABLE_REPLACEMENT"] = allow
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "tfjson.py"), "table-guard", "dev"],
        input=json.dumps(document),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


ADD_SORT_KEY = table_change(
    ["delete", "create"],
    after=WITH_SORT_KEY,
    action_reason="replace_because_cannot_update",
    change={"replace_paths": [["range_key"]]},
)


def test_a_replacement_is_refused_with_what_forces_it_and_the_migration() -> None:
    """Exit 3; the table, the attribute, its old and new value, and the three commands that keep the items."""
    refused = guard(plan(ADD_SORT_KEY))
    assert refused.returncode == 3
    assert refused.stdout == ""
    message = refused.stderr
    assert (
        "refusing to apply: the plan for 'dev' REPLACES the items table dynamodbmanager-dev-items "
        "(replace_because_cannot_update)"
    ) in message
    assert '  range_key: none -> "SK"' in message
    export = (
        ".venv/bin/dynamodbmanager export --direct --table dynamodbmanager-dev-items --region eu-west-1 "
        "--format dynamodb-json --to dynamodbmanager-dev-items.export.json"
    )
    apply = "ALLOW_TABLE_REPLACEMENT=1 make deploy ENV=dev"
    load = (
        ".venv/bin/dynamodbmanager import --direct --table dynamodbmanager-dev-items --region eu-west-1 "
        "--from dynamodbmanager-dev-items.export.json"
    )
    assert message.index(export) < message.index(apply) < message.index(load)
    assert "The new key needs SK on every item" in message
    assert "Nothing was changed, and the saved plan was removed" in message
    assert "deletion protection" not in message


def test_a_replacement_is_refused_whichever_comes_first_and_names_every_path() -> None:
    """create_before_destroy (create, then delete) is refused too; each replace path is listed; protection noted."""
    before = {
        **TABLE,
        "deletion_protection_enabled": True,
        "local_secondary_index": [
            {"name": "by-created", "range_key": "createdAt", "projection_type": "INCLUDE", "non_key_attributes": ["t"]}
        ],
    }
    after = {**before, "name": "renamed", "local_secondary_index": []}
    change = table_change(
        ["create", "delete"], before, after, change={"replace_paths": [["name"], ["local_secondary_index"]]}
    )
    refused = guard(plan(change))
    assert refused.returncode == 3
    assert '  name: "dynamodbmanager-dev-items" -> "renamed"' in refused.stderr
    assert "  local_secondary_index: [by-created (key createdAt; INCLUDE t)] -> none" in refused.stderr
    assert "import --direct --table renamed --region eu-west-1" in refused.stderr
    assert "has deletion protection on" in refused.stderr


def test_a_deletion_of_the_table_is_refused() -> None:
    """A plan that deletes the table (its resource left the configuration) loses every item as well."""
    change = table_change(["delete"], after=None, action_reason="delete_because_no_resource_config")
    refused = guard(plan(change))
    assert refused.returncode == 3
    assert "the plan for 'dev' DELETES the items table dynamodbmanager-dev-items" in refused.stderr
    assert "make destroy ENV=dev" in refused.stderr


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (plan(table_change(["update"], after={**TABLE, "deletion_protection_enabled": True})), "updates in place"),
        (plan(table_change(["no-op"])), "leaves unchanged"),
        (plan(table_change(["create"], before=None)), "creates"),
        (plan(function_change({"pk": ["id", "S"], "sk": None, "indexes": {}})), "does not touch"),
        ({"format_version": "1.2"}, "does not touch"),
    ],
    ids=["update", "no-op", "create", "table-absent", "no-changes-at-all"],
)
def test_plans_that_keep_the_items_go_through(document: dict[str, Any], said: str) -> None:
    """Exit 0 and one line saying what the plan does to the table."""
    passed = guard(document)
    assert passed.returncode == 0, passed.stderr
    assert passed.stderr == ""
    assert said in passed.stdout


def test_the_escape_hatch_lets_a_replacement_through_with_a_warning() -> None:
    """ALLOW_TABLE_REPLACEMENT=1: exit 0, the warning and what forces the replacement on standard error."""
    allowed = guard(plan(ADD_SORT_KEY), allow="1")
    assert allowed.returncode == 0
    assert "WARNING: ALLOW_TABLE_REPLACEMENT=1, so applying anyway" in allowed.stderr
    assert "REPLACES the items table dynamodbmanager-dev-items" in allowed.stderr
    assert guard(plan(ADD_SORT_KEY), allow="0").returncode == 3


def test_a_design_change_terraform_cannot_see_is_refused_even_with_the_escape_hatch() -> None:
    """A key type changed in the definition: no change of the table planned, the function told the new type."""
    shape = {"pk": ["id", "S"], "sk": ["SK", "N"], "indexes": {}}
    document = plan(table_change(["no-op"], WITH_SORT_KEY, WITH_SORT_KEY), function_change(shape))
    for allow in (None, "1"):
        refused = guard(document, allow=allow)
        assert refused.returncode == 3
        assert "  sort key SK: the table's type is S, the definition's N" in refused.stderr
        assert "table_name in terraform/environments/dev.tfvars" in refused.stderr
    consistent = {"pk": ["id", "S"], "sk": ["SK", "S"], "indexes": {}}
    assert (
        guard(plan(table_change(["no-op"], WITH_SORT_KEY, WITH_SORT_KEY), function_change(consistent))).returncode == 0
    )


def test_unseen_changes_compare_each_index_with_the_design() -> None:
    """A local index's projection, a global index's key type, an index missing: each named."""
    tfjson = load_tfjson()
    table = {
        **WITH_SORT_KEY,
        "attribute": [*WITH_SORT_KEY["attribute"], {"name": "g", "type": "S"}, {"name": "c", "type": "S"}],
        "global_secondary_index": [{"name": "G", "hash_key": "g", "range_key": "", "projection_type": "ALL"}],
        "local_secondary_index": [{"name": "L", "range_key": "c", "projection_type": "KEYS_ONLY"}],
    }
    shape = {
        "pk": ["id", "S"],
        "sk": ["SK", "S"],
        "indexes": {
            "G": {"kind": "GSI", "pk": ["g", "N"], "sk": None, "projection": "ALL"},
            "L": {"kind": "LSI", "pk": ["id", "S"], "sk": ["c", "S"], "projection": "ALL"},
            "M": {"kind": "GSI", "pk": ["g", "S"], "sk": None, "projection": "ALL"},
        },
    }
    change = table_change(["update"], table, table)
    assert tfjson.unseen_changes(plan(change, function_change(shape)), change) == [
        "GSI G's partition key g: the table's type is S, the definition's N",
        "LSI L's projection: the table's is KEYS_ONLY, the definition's ALL",
        "GSI M: the table has no such index",
    ]


def test_the_guard_needs_a_plan_and_its_usage() -> None:
    """Nothing on standard input: exit 1; no environment name: the usage, exit 2."""
    empty = subprocess.run(
        [sys.executable, str(SCRIPTS / "tfjson.py"), "table-guard", "dev"],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert empty.returncode == 1
    assert "no plan JSON" in empty.stderr
    usage = subprocess.run(
        [sys.executable, str(SCRIPTS / "tfjson.py"), "table-guard"], capture_output=True, text=True, check=False
    )
    assert usage.returncode == 2


# --- One apply cycle of the single-table design on the emulator -----------------------------------------


@dataclass
class Design:
    """The checkout whose dev has the single-table design, prod's refused plan, and the emulator."""

    emulator: Emulator
    dev: Environment
    prod: Environment
    #: The definition file dev's tfvars names.
    definition: Path
    #: What ``scripts/deploy dev`` printed when it applied the single-table design.
    first_deploy: subprocess.CompletedProcess[str]
    #: ``scripts/deploy prod``, running meanwhile, with a definition that adds a sort key to the adopted table.
    refused: Future[subprocess.CompletedProcess[str]]

    def client(self, service: str) -> Any:
        """A botocore client for ``service`` on the emulator."""
        return self.emulator.client(service)


def adopt_and_add_a_sort_key(prod: Environment, client: Any) -> subprocess.CompletedProcess[str]:
    """prod adopts the seed's table with an item in it (README), then deploys a definition that adds a sort key."""
    dynamodb = client("dynamodb")
    dynamodb.create_table(**items_table_definition(SEED_TABLE), SSESpecification={"Enabled": True, "SSEType": "KMS"})
    dynamodb.put_item(TableName=SEED_TABLE, Item=SEED_ITEM)
    prod.script("tf", "init", "prod")
    prod.script("tf", "import", "prod", "aws_dynamodb_table.items", SEED_TABLE)
    return prod.script("deploy", "prod", check=False)


def wait_for_the_state_bucket(emulator: Emulator, bootstrap: ManagedProcess, log_path: Path) -> None:
    """Return once scripts/emulator-workspace has created the state bucket; fail if it stopped without it."""
    s3 = emulator.client("s3")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            s3.head_bucket(Bucket=STATE_BUCKET)
        except ClientError:  # 404: not there yet
            if not bootstrap.running():
                pytest.fail(f"scripts/emulator-workspace made no state bucket:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        else:
            return
    pytest.fail(f"no state bucket after 300 s:\n{log_path.read_text()[-4000:]}")


def write_designs(checkout: Path) -> Path:
    """dev's tfvars name the single-table design; prod's adopt the seed's table and name a design with a sort key."""
    designs = checkout / "designs"
    designs.mkdir()
    definition = designs / "single-table.json"
    shutil.copyfile(SINGLE_TABLE, definition)
    seed = json.loads((ROOT / "src" / "dynamodbmanager" / "tables" / "anything.json").read_text())
    seed["AttributeDefinitions"].append({"AttributeName": NEW_SORT_KEY, "AttributeType": "S"})
    seed["KeySchema"].append({"AttributeName": NEW_SORT_KEY, "KeyType": "RANGE"})
    (designs / "with-sort-key.json").write_text(json.dumps(seed, indent=2))
    environments = checkout / "terraform" / "environments"
    with (environments / "dev.tfvars").open("a") as tfvars:
        tfvars.write('\ntable_definition_file = "../designs/single-table.json"\n')
    with (environments / "prod.tfvars").open("a") as tfvars:
        tfvars.write(
            f'\ntable_name            = "{SEED_TABLE}"\nalarm_email           = "oncall@example.com"\n'
            'table_definition_file = "../designs/with-sort-key.json"\n'
        )
    return definition


@pytest.fixture(scope="module")
def design(
    terraform: Terraform, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Design]:
    """The single-table design deployed as dev, while prod's sort key is refused, on an emulator of their own."""
    root = tmp_path_factory.mktemp("table-design")
    checkout = root / "checkout"
    emulator = start_emulator()
    executor = ThreadPoolExecutor(max_workers=1)
    log_path = root / "emulator-workspace.log"
    try:
        with log_path.open("wb") as log:
            bootstrap = ManagedProcess(
                [str(SCRIPTS / "emulator-workspace"), str(checkout / "terraform"), emulator.url],
                env=terraform.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            # The zip is built meanwhile. Of what the bootstrap makes, the environments need only the state
            # bucket, its first resource: the rest of its time goes on waiting for the emulator to report the
            # bucket's lifecycle rules, so both environments start as soon as the bucket exists.
            lambda_zip: Path = request.getfixturevalue("lambda_zip")
            wait_for_the_state_bucket(emulator, bootstrap, log_path)
            (checkout / "dist").mkdir()
            shutil.copyfile(lambda_zip, checkout / "dist" / "lambda.zip")
            definition = write_designs(checkout)
            dev, prod = (Environment(name, checkout, terraform, {}) for name in ("dev", "prod"))
            refused = executor.submit(adopt_and_add_a_sort_key, prod, emulator.client)
            first_deploy = dev.script("deploy", "dev")
            status = bootstrap.process.wait(timeout=600)
        finally:
            bootstrap.stop()
        if status != 0:
            pytest.fail(f"scripts/emulator-workspace failed:\n{log_path.read_text()[-4000:]}")
        yield Design(emulator, dev, prod, definition, first_deploy, refused)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        emulator.stop()


def key_schema(keys: list[dict[str, str]]) -> list[tuple[str, str]]:
    """A KeySchema as (attribute, HASH or RANGE) pairs, partition key first."""
    return sorted(((k["AttributeName"], k["KeyType"]) for k in keys), key=lambda k: k[1])


def projection(index: dict[str, Any]) -> tuple[str, list[str]]:
    """An index's projection type and its non-key attributes, sorted."""
    given = index.get("Projection", {})
    return given.get("ProjectionType", "ALL"), sorted(given.get("NonKeyAttributes", []))


def indexes(description: dict[str, Any], kind: str) -> dict[str, tuple[list[tuple[str, str]], tuple[str, list[str]]]]:
    """The GlobalSecondaryIndexes or LocalSecondaryIndexes of a definition or a DescribeTable: keys and projection."""
    return {i["IndexName"]: (key_schema(i["KeySchema"]), projection(i)) for i in description.get(kind, [])}


def assert_table_is(design: Design, definition: dict[str, Any]) -> dict[str, Any]:
    """The dev table has the definition's key, key types and indexes with their projections; its description."""
    table: dict[str, Any] = design.client("dynamodb").describe_table(TableName=DEV_TABLE)["Table"]
    assert key_schema(table["KeySchema"]) == key_schema(definition["KeySchema"])
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    wanted = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    assert types == wanted
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert indexes(table, kind) == indexes(definition, kind), kind
    return table


def index_grants(design: Design) -> dict[str, list[str]]:
    """The resources of each statement (by Sid) of the function's DynamoDB policy."""
    raw = design.client("iam").get_role_policy(RoleName="dynamodbmanager-dev-function", PolicyName="dynamodb-items")
    document = policy_document(raw["PolicyDocument"])
    grants: dict[str, list[str]] = {}
    for statement in document["Statement"]:
        resources = statement["Resource"]
        grants[statement["Sid"]] = sorted(resources if isinstance(resources, list) else [resources])
    return grants


def test_the_guard_lets_the_first_apply_through(design: Design) -> None:
    """``scripts/deploy dev`` checked the plan, which creates the table, and applied it."""
    assert f"scripts/tf: the plan creates the items table {DEV_TABLE}, whose items it keeps" in (
        design.first_deploy.stdout
    )
    assert DEV_TABLE in design.client("dynamodb").list_tables()["TableNames"]


def test_the_table_has_the_keys_indexes_and_projections_of_its_definition(design: Design) -> None:
    """PK (HASH, S), SK (RANGE, S); GSI1, open-orders and by-created with their keys and projections."""
    definition = json.loads(SINGLE_TABLE.read_text())
    table = assert_table_is(design, definition)
    assert key_schema(table["KeySchema"]) == [("PK", "HASH"), ("SK", "RANGE")]
    assert indexes(table, "LocalSecondaryIndexes") == {
        "by-created": ([("PK", "HASH"), ("createdAt", "RANGE")], ("INCLUDE", ["total"]))
    }
    assert indexes(table, "GlobalSecondaryIndexes")["open-orders"] == ([("status", "HASH")], ("KEYS_ONLY", []))


def test_the_function_may_use_the_table_and_each_index_by_name(design: Design) -> None:
    """The role's policy names the table's ARN and each index's ARN: no wildcard; the function knows the design."""
    arn = design.client("dynamodb").describe_table(TableName=DEV_TABLE)["Table"]["TableArn"]
    grants = index_grants(design)
    assert grants["ReadAndWriteItems"] == [arn]
    assert grants["ReadIndexes"] == sorted(f"{arn}/index/{name}" for name in ("GSI1", "by-created", "open-orders"))
    assert not any("*" in resource for resources in grants.values() for resource in resources)
    function = design.client("lambda").get_function_configuration(FunctionName="dynamodbmanager-dev-function")
    shape = json.loads(function["Environment"]["Variables"]["TABLE_SHAPE"])
    assert (shape["pk"], shape["sk"]) == (["PK", "S"], ["SK", "S"])
    assert sorted(shape["indexes"]) == ["GSI1", "by-created", "open-orders"]


def test_a_second_plan_shows_no_changes(design: Design) -> None:
    """Right after the apply, the same definition plans nothing."""
    summary = design.dev.plan_summary()
    assert summary.startswith("No changes."), (design.dev.plan_dir / "plan.txt").read_text()


def test_a_new_global_index_is_an_update_in_place_that_keeps_the_items(design: Design) -> None:
    """One more GSI: the table is updated in place, the guard lets it through, the index and its grant exist."""
    dynamodb = design.client("dynamodb")
    item = {"PK": {"S": "CUSTOMER#1"}, "SK": {"S": "PROFILE"}, "email": {"S": "ada@example.com"}}
    dynamodb.put_item(TableName=DEV_TABLE, Item=item)
    definition = json.loads(design.definition.read_text())
    definition["AttributeDefinitions"].append({"AttributeName": "email", "AttributeType": "S"})
    definition["GlobalSecondaryIndexes"].append(NEW_INDEX)
    design.definition.write_text(json.dumps(definition, indent=2))

    deployed = design.dev.script("deploy", "dev")
    assert f"scripts/tf: the plan updates in place the items table {DEV_TABLE}, whose items it keeps" in (
        deployed.stdout
    )
    readable = (design.dev.plan_dir / "plan.txt").read_text()
    assert "# aws_dynamodb_table.items will be updated in-place" in readable
    assert "must be replaced" not in readable
    summary = (design.dev.plan_dir / "plan-summary.txt").read_text()
    assert re.fullmatch(r"Plan: 0 to add, [1-9]\d* to change, 0 to destroy\.\n", summary), summary

    assert_table_is(design, definition)
    assert indexes(dynamodb.describe_table(TableName=DEV_TABLE)["Table"], "GlobalSecondaryIndexes")["by-email"] == (
        [("email", "HASH")],
        ("INCLUDE", ["name"]),
    )
    arn = dynamodb.describe_table(TableName=DEV_TABLE)["Table"]["TableArn"]
    assert f"{arn}/index/by-email" in index_grants(design)["ReadIndexes"]
    key = {"PK": item["PK"], "SK": item["SK"]}
    assert dynamodb.get_item(TableName=DEV_TABLE, Key=key)["Item"] == item


def test_a_sort_key_added_is_refused_before_anything_is_touched(design: Design) -> None:
    """``scripts/deploy prod`` exits 3 after the plan, naming range_key and the migration; nothing was changed."""
    refused = design.refused.result(timeout=600)
    assert refused.returncode == 3, f"{refused.stderr}\n{refused.stdout[-4000:]}"
    message = refused.stderr
    assert f"refusing to apply: the plan for 'prod' REPLACES the items table {SEED_TABLE}" in message
    assert f'  range_key: none -> "{NEW_SORT_KEY}"' in message
    for command in (
        f".venv/bin/dynamodbmanager export --direct --table {SEED_TABLE} --region us-east-1 --format dynamodb-json "
        f"--to {SEED_TABLE}.export.json",
        "ALLOW_TABLE_REPLACEMENT=1 make deploy ENV=prod",
        f".venv/bin/dynamodbmanager import --direct --table {SEED_TABLE} --region us-east-1 "
        f"--from {SEED_TABLE}.export.json",
    ):
        assert command in message
    assert f"The new key needs {NEW_SORT_KEY} on every item" in message
    # Refused after the plan and before the question and the apply: the plan was shown, then removed.
    assert "must be replaced" in (design.prod.plan_dir / "plan.txt").read_text()
    assert not (design.prod.plan_dir / "tfplan").exists()
    assert "Apply complete" not in refused.stdout

    # The table, its key and its item are as they were; nothing of prod was created; its state holds the table alone.
    dynamodb = design.client("dynamodb")
    table = dynamodb.describe_table(TableName=SEED_TABLE)["Table"]
    assert key_schema(table["KeySchema"]) == [("id", "HASH")]
    assert dynamodb.get_item(TableName=SEED_TABLE, Key={"id": SEED_ITEM["id"]})["Item"] == SEED_ITEM
    assert dynamodb.scan(TableName=SEED_TABLE)["Count"] == 1
    assert [line for line in inventory(design.emulator) if "prod" in line] == []
    body = design.client("s3").get_object(Bucket=STATE_BUCKET, Key="dynamodbmanager/prod/terraform.tfstate")["Body"]
    resources = json.loads(body.read())["resources"]
    kept = [(r["type"], r["name"]) for r in resources if r["mode"] == "managed" and r["instances"]]
    assert kept == [("aws_dynamodb_table", "items")]


def test_destroy_removes_dev_and_leaves_the_adopted_table(design: Design) -> None:
    """``scripts/destroy dev`` removes the single-table environment; prod's table and its item stay."""
    design.refused.result(timeout=600)  # prod's refusal has finished with the emulator
    design.dev.script("destroy", "dev")
    dynamodb = design.client("dynamodb")
    assert dynamodb.list_tables()["TableNames"] == [SEED_TABLE]
    assert design.client("lambda").list_functions()["Functions"] == []
    assert design.client("apigateway").get_rest_apis()["items"] == []
    assert dynamodb.get_item(TableName=SEED_TABLE, Key={"id": SEED_ITEM["id"]})["Item"] == SEED_ITEM
