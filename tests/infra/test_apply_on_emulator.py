"""Deploy dev and prod side by side to one AWS emulator, as two environments of one account and region.

Everything goes through the scripts a user runs (scripts/deploy, scripts/tf, scripts/destroy) in a copy of
terraform/ that scripts/emulator-workspace points at the emulator, after it applied terraform/bootstrap there
(the state bucket, the region's API Gateway logging role). Each environment keeps its own state in the bucket.
prod adopts an existing table named `anything`, as the README says to adopt the original system's table, and
names the alarm e-mail its tfvars require. The tests read what was created through the AWS APIs; the last ones
destroy: the refusals first (nothing touched), then dev (prod and the account setting untouched), then a
destroy of prod that bypasses the scripts (the table and the key that encrypts the logs outlive it).

A third environment, `warm`, is dev's settings with provisioned concurrency on, deployed alongside the other
two (moto cannot change an integration in place, so it is its own environment rather than dev changed): its
API must invoke the alias of a published version. It is checked, planned again and destroyed on its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from dynamodbmanager.local import gateway as local_gateway
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import ManagedProcess
from dynamodbmanager.schema import (
    IDEMPOTENCY_TTL_ATTRIBUTE,
    KEY_ATTRIBUTE,
    TableShape,
    idempotency_table_definition,
    items_table_definition,
)

from .conftest import SCRIPTS, Terraform

STATE_BUCKET = "dynamodbmanager-tfstate-123456789012-us-east-1"
ACCOUNT_ROLE = "dynamodbmanager-apigateway-cloudwatch-us-east-1"
#: The original system's table, with an item of its own, that prod adopts instead of re-creating.
SEED_TABLE = "anything"
SEED_ITEM = {"id": {"S": "seed-1"}, "name": {"S": "written before Terraform managed the table"}}
ALARM_EMAIL = "oncall@example.com"
DATA_ROUTES = {
    ("/dynamodbmanager", "POST"),
    ("/items", "GET"),
    ("/items", "POST"),
    ("/items/{id}", "GET"),
    ("/items/{id}", "PUT"),
    ("/items/{id}", "PATCH"),
    ("/items/{id}", "DELETE"),
    ("/openapi.json", "GET"),
    ("/table", "GET"),
}
#: The local gateway's public routes: the applied API must leave open exactly those, no more.
PUBLIC_ROUTES = set(local_gateway.PUBLIC_ROUTES)
API_PATHS = {
    "/dynamodbmanager",
    "/items",
    "/items/{id}",
    "/openapi.json",
    "/health",
    "/console",
    "/console/{proxy+}",
    "/table",
}
DYNAMODB_ACTIONS = {
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Scan",
}
#: What Powertools' idempotency persistence layer calls on its table.
IDEMPOTENCY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
#: X-Ray has no resource-level permissions, so these are the only actions allowed on "*".
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
#: The environment with provisioned concurrency on, and the alias its API invokes.
WARM = "warm"
ALIAS = "live"
#: Written into warm's checkout only: moto has no provisioned-concurrency API (PutProvisionedConcurrencyConfig
#: answers 404), so that one resource is left out there; test_terraform_static plans it with a mocked provider.
NO_PROVISIONED_CONCURRENCY_OVERRIDE = """# Written by the test: the emulator has no provisioned-concurrency API.
resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = 0
}
"""


@dataclass(frozen=True)
class Expected:
    """What an environment's tfvars (plus the README's adoption steps, for prod) make of it."""

    name: str
    table: str
    protected: bool
    log_level: str
    cors: str
    retention_days: int
    throttle: tuple[int, int]
    quota: tuple[int, str]
    waf: bool

    @property
    def prefix(self) -> str:
        """The prefix of every name of the environment."""
        return f"dynamodbmanager-{self.name}"

    @property
    def function(self) -> str:
        """The function's name."""
        return f"{self.prefix}-function"

    @property
    def idempotency_table(self) -> str:
        """The idempotency table's name."""
        return f"{self.prefix}-idempotency"


EXPECTED = {
    "dev": Expected("dev", "dynamodbmanager-dev-items", False, "DEBUG", "*", 14, (20, 40), (10000, "DAY"), False),
    "prod": Expected("prod", SEED_TABLE, True, "INFO", "", 90, (100, 200), (1000000, "MONTH"), True),
}


@dataclass
class Environment:
    """One environment in one checkout: where its configuration, zip and plans are, and its outputs."""

    name: str
    checkout: Path
    terraform: Terraform
    outputs: dict[str, Any]

    @property
    def workspace(self) -> Path:
        """The checkout's terraform/ (pointed at the emulator)."""
        return self.checkout / "terraform"

    @property
    def plan_dir(self) -> Path:
        """Plan files and the environment's own .terraform (scripts/tf's TF_PLAN_DIR)."""
        return self.checkout / "plans" / self.name

    @property
    def variables(self) -> dict[str, str]:
        """The settings scripts/tf reads, for this checkout."""
        return {
            "TF_DIR": str(self.workspace),
            "TF_PLAN_DIR": str(self.plan_dir),
            "LAMBDA_ZIP": str(self.checkout / "dist" / "lambda.zip"),
        }

    def script(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``scripts/<name> args...`` for this environment and checkout, without a prompt."""
        return self.terraform.script(name, *args, check=check, AUTO_APPROVE="1", **self.variables)

    def read_outputs(self) -> dict[str, Any]:
        """Every output of the environment's state."""
        return self.terraform.outputs(self.workspace, {"TF_DATA_DIR": str(self.plan_dir / ".terraform")})

    def plan_summary(self) -> str:
        """``scripts/tf plan`` from this checkout: the plan's summary line."""
        self.script("tf", "plan", self.name)
        return (self.plan_dir / "plan-summary.txt").read_text().strip()


@dataclass
class Stacks:
    """dev and prod as deployed, prod again from a second checkout at another path, warm, and the emulator."""

    dev: Environment
    prod: Environment
    prod_elsewhere: Environment
    warm: Environment
    emulator: Emulator

    def client(self, service: str) -> Any:
        """A botocore client for ``service`` on the emulator."""
        return self.emulator.client(service)

    def environment(self, name: str) -> Environment:
        """dev or prod."""
        return self.dev if name == "dev" else self.prod

    def api(self, name: str) -> dict[str, Any]:
        """The REST API of environment ``name``."""
        apis = self.client("apigateway").get_rest_apis()["items"]
        [api] = [a for a in apis if a["name"] == EXPECTED[name].prefix]
        return dict(api)

    def state(self, name: str) -> dict[str, Any]:
        """The environment's Terraform state, as its backend keeps it in the bucket."""
        body = self.client("s3").get_object(Bucket=STATE_BUCKET, Key=f"dynamodbmanager/{name}/terraform.tfstate")
        return dict(json.loads(body["Body"].read()))


def prepare_warm(checkout: Path, elsewhere: Path, terraform: Terraform) -> Environment:
    """A copy of ``checkout`` with environment `warm`: dev's tfvars and backend, provisioned concurrency on."""
    shutil.copytree(
        checkout, elsewhere, ignore=shutil.ignore_patterns("plans", "bootstrap", ".terraform*", "*.tfstate*")
    )
    environments = elsewhere / "terraform" / "environments"
    tfvars = (environments / "dev.tfvars").read_text()
    tfvars = re.sub(r'^(environment|stage_name)(\s*)= "dev"$', rf'\1\2= "{WARM}"', tfvars, flags=re.MULTILINE)
    assert tfvars.count(f'"{WARM}"') == 2, tfvars
    (environments / f"{WARM}.tfvars").write_text(f"{tfvars}provisioned_concurrency = 1\n")
    backend = (environments / "dev.backend.hcl").read_text().replace("dynamodbmanager/dev/", f"dynamodbmanager/{WARM}/")
    assert f"dynamodbmanager/{WARM}/terraform.tfstate" in backend
    (environments / f"{WARM}.backend.hcl").write_text(backend)
    (elsewhere / "terraform" / "emulator_concurrency_override.tf").write_text(NO_PROVISIONED_CONCURRENCY_OVERRIDE)
    return Environment(WARM, elsewhere, terraform, {})


def deploy_side_by_side(environments: list[Environment], log_dir: Path) -> None:
    """``scripts/deploy ENV`` for each environment at once, as two pipelines might; fail with a failing one's log."""
    running: list[tuple[Environment, Path, ManagedProcess]] = []
    try:
        for environment in environments:
            log_path = log_dir / f"deploy-{environment.name}.log"
            with log_path.open("wb") as log:
                process = ManagedProcess(
                    [str(SCRIPTS / "deploy"), environment.name],
                    env={**environment.terraform.env, **environment.variables, "AUTO_APPROVE": "1"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            running.append((environment, log_path, process))
        for environment, log_path, process in running:
            if process.process.wait(timeout=900) != 0:
                pytest.fail(f"scripts/deploy {environment.name} failed:\n{log_path.read_text()[-6000:]}")
    finally:
        for _, _, process in running:
            process.stop()


@pytest.fixture(scope="module")
def stacks(
    terraform: Terraform,
    infra_emulator: Emulator,
    infra_emulator_log: Path,
    lambda_zip: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Stacks:
    """dev and prod deployed into the module's emulator, prod adopting the table `anything` that was there."""
    root = tmp_path_factory.mktemp("checkouts")
    checkout = root / "checkout-a"
    (checkout / "dist").mkdir(parents=True)
    shutil.copyfile(lambda_zip, checkout / "dist" / "lambda.zip")
    terraform.script("emulator-workspace", str(checkout / "terraform"), infra_emulator.url)
    dev, prod = (Environment(name, checkout, terraform, {}) for name in ("dev", "prod"))
    warm = prepare_warm(checkout, root / "checkout-warm", terraform)

    # The original system's table, with its data. Encrypted already: the emulator cannot turn encryption on later.
    dynamodb = infra_emulator.client("dynamodb")
    definition = items_table_definition(SEED_TABLE)
    dynamodb.create_table(**definition, SSESpecification={"Enabled": True, "SSEType": "KMS"})
    dynamodb.put_item(TableName=SEED_TABLE, Item=SEED_ITEM)
    # The README's steps to adopt it, and the alarm subscription prod's tfvars make a required decision.
    with (prod.workspace / "environments" / "prod.tfvars").open("a") as tfvars:
        tfvars.write(f'\ntable_name  = "{SEED_TABLE}"\nalarm_email = "{ALARM_EMAIL}"\n')
    dev.script("tf", "init", "dev")
    prod.script("tf", "init", "prod")
    prod.script("tf", "import", "prod", "aws_dynamodb_table.items", SEED_TABLE)

    deploy_side_by_side([dev, prod, warm], root)
    dev.outputs, prod.outputs, warm.outputs = dev.read_outputs(), prod.read_outputs(), warm.read_outputs()
    # API keys are the one thing here whose creation is not idempotent and whose name need not be unique:
    # a create the SDK retried would leave a key no state knows, which no destroy can remove.
    keys = infra_emulator.client("apigateway").get_api_keys()["items"]
    for environment in (dev, prod, warm):
        named = [k["id"] for k in keys if k["name"] == f"dynamodbmanager-{environment.name}-default"]
        creates = [line for line in infra_emulator_log.read_text().splitlines() if "POST /apikeys" in line]
        assert named == [environment.outputs["api_key_id"]], f"the emulator's keys: {keys}; its creates: {creates}"

    # Another checkout of the same commit at another path, with the same zip, as another Jenkins workspace.
    elsewhere = root / "checkout-b"
    shutil.copytree(
        checkout, elsewhere, ignore=shutil.ignore_patterns("plans", "bootstrap", ".terraform*", "*.tfstate*")
    )
    prod_elsewhere = Environment("prod", elsewhere, terraform, prod.outputs)
    prod_elsewhere.script("tf", "init", "prod")
    return Stacks(dev, prod, prod_elsewhere, warm, infra_emulator)


def policy_document(raw: Any) -> dict[str, Any]:
    """An IAM policy document as a dict, whether the API returned it parsed or as (URL-encoded) JSON."""
    if isinstance(raw, dict):
        return raw
    text = str(raw)
    return dict(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    return list(value) if isinstance(value, list) else [value]


def inventory(emulator: Emulator) -> set[str]:
    """Everything of the account the stacks could touch, one line each; a KMS key's line carries its state."""
    client = emulator.client
    apigateway, kms = client("apigateway"), client("kms")
    items = {f"table {n}" for n in client("dynamodb").list_tables()["TableNames"]}
    items |= {f"function {f['FunctionName']}" for f in client("lambda").list_functions()["Functions"]}
    items |= {f"role {r['RoleName']}" for r in client("iam").list_roles()["Roles"]}
    items |= {f"log group {g['logGroupName']}" for g in client("logs").describe_log_groups()["logGroups"]}
    items |= {f"rest api {a['name']}" for a in apigateway.get_rest_apis()["items"]}
    # API Gateway lets names repeat here: ids tell two objects of one name apart.
    items |= {f"api key {k['name']} {k['id']}" for k in apigateway.get_api_keys()["items"]}
    items |= {f"usage plan {p['name']} {p['id']}" for p in apigateway.get_usage_plans()["items"]}
    items |= {f"topic {t['TopicArn'].rsplit(':', 1)[1]}" for t in client("sns").list_topics()["Topics"]}
    items |= {f"alarm {a['AlarmName']}" for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}
    items |= {f"dashboard {d['DashboardName']}" for d in client("cloudwatch").list_dashboards()["DashboardEntries"]}
    items |= {f"web acl {w['Name']}" for w in client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]}
    items |= {f"alias {a['AliasName']}" for a in kms.list_aliases()["Aliases"] if "dynamodbmanager" in a["AliasName"]}
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("Description", "").startswith("dynamodbmanager"):
            items.add(f"key {metadata['Description'].split(':')[0]} {metadata['KeyState']}")
    items.add(f"api gateway account role {apigateway.get_account().get('cloudwatchRoleArn')}")
    items |= {f"bucket {b['Name']}" for b in client("s3").list_buckets()["Buckets"]}
    return items


def name_of(line: str) -> str:
    """An inventory line without the id that follows the name of an API key or a usage plan."""
    return line.rsplit(" ", 1)[0] if line.startswith(("api key ", "usage plan ")) else line


# --- Both environments, side by side --------------------------------------------------------------


def test_each_environment_plans_no_changes_again_even_from_another_checkout(stacks: Stacks) -> None:
    """dev and prod plan no changes right after apply; prod's plan runs in another checkout at another path."""
    assert stacks.dev.plan_summary().startswith("No changes."), (stacks.dev.plan_dir / "plan.txt").read_text()
    summary = stacks.prod_elsewhere.plan_summary()
    assert summary.startswith("No changes."), (stacks.prod_elsewhere.plan_dir / "plan.txt").read_text()


def test_the_state_keeps_the_zip_path_relative_to_the_configuration(stacks: Stacks) -> None:
    """An absolute path in the state would show a code change in every other checkout for the very same zip."""
    for name in ("dev", "prod"):
        [function] = [r for r in stacks.state(name)["resources"] if r["type"] == "aws_lambda_function"]
        assert function["instances"][0]["attributes"]["filename"] == "../dist/lambda.zip", name


def test_every_name_carries_its_environment(stacks: Stacks) -> None:
    """dev and prod hold the same resources, each under its environment's name: a second apply cannot collide."""
    for name, expected in EXPECTED.items():
        outputs = stacks.environment(name).outputs
        assert outputs["table_name"] == expected.table
        assert outputs["idempotency_table_name"] == expected.idempotency_table
        assert outputs["function_name"] == expected.function
        assert outputs["log_group_name"] == f"/aws/lambda/{expected.function}"
    lines = inventory(stacks.emulator)
    dev, prod = (
        {name_of(line).replace(prefix, "dynamodbmanager-ENV") for line in lines if prefix in line}
        for prefix in ("dynamodbmanager-dev", "dynamodbmanager-prod")
    )
    assert len(dev) >= 15
    # prod serves the table it adopted, and has WAF on.
    assert dev - prod == {"table dynamodbmanager-ENV-items"}
    assert prod - dev == {"web acl dynamodbmanager-ENV", "log group aws-waf-logs-dynamodbmanager-ENV"}


def test_prod_adopted_the_existing_table_with_its_items(stacks: Stacks) -> None:
    """The table that was there is now prod's, item and all, with prod's settings applied in place."""
    dynamodb = stacks.client("dynamodb")
    assert dynamodb.get_item(TableName=SEED_TABLE, Key={"id": SEED_ITEM["id"]})["Item"] == SEED_ITEM
    resources = {(r["type"], r["name"]) for r in stacks.state("prod")["resources"] if r["mode"] == "managed"}
    assert ("aws_dynamodb_table", "items") in resources
    assert "dynamodbmanager-prod-items" not in dynamodb.list_tables()["TableNames"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_tables_have_the_key_billing_backups_encryption_and_protection_declared(stacks: Stacks, name: str) -> None:
    """Key `id` (string), on demand, PITR, encrypted, tagged; deletion protection on in prod only, and enforced."""
    expected = EXPECTED[name]
    dynamodb = stacks.client("dynamodb")
    table = dynamodb.describe_table(TableName=expected.table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["DeletionProtectionEnabled"] is expected.protected
    assert not table.get("GlobalSecondaryIndexes")
    backups = dynamodb.describe_continuous_backups(TableName=expected.table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    assert (tags["Service"], tags["Environment"], tags["Name"]) == ("dynamodbmanager", name, expected.table)
    if expected.protected:
        with pytest.raises(Exception, match=r"(?i)deletion ?protection"):
            dynamodb.delete_table(TableName=expected.table)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_tables_are_the_ones_the_function_is_told_and_the_local_stack_creates(stacks: Stacks, name: str) -> None:
    """TABLE_NAME and IDEMPOTENCY_TABLE_NAME name the environment's tables, of the local stack's definitions."""
    expected = EXPECTED[name]
    variables = stacks.client("lambda").get_function_configuration(FunctionName=expected.function)["Environment"][
        "Variables"
    ]
    assert variables["TABLE_NAME"] == expected.table
    assert variables["IDEMPOTENCY_TABLE_NAME"] == expected.idempotency_table
    dynamodb = stacks.client("dynamodb")
    for table_name, definition in (
        (expected.table, items_table_definition(expected.table)),
        (expected.idempotency_table, idempotency_table_definition(expected.idempotency_table)),
    ):
        deployed = dynamodb.describe_table(TableName=table_name)["Table"]
        assert deployed["KeySchema"] == definition["KeySchema"], table_name
        assert deployed["AttributeDefinitions"] == definition["AttributeDefinitions"], table_name
        assert deployed["BillingModeSummary"]["BillingMode"] == definition["BillingMode"], table_name
        assert deployed["KeySchema"][0]["AttributeName"] == KEY_ATTRIBUTE
    ttl = dynamodb.describe_time_to_live(TableName=expected.idempotency_table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", IDEMPOTENCY_TTL_ATTRIBUTE)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_function_runs_the_built_zip_with_the_environments_settings(stacks: Stacks, name: str) -> None:
    """Runtime, handler, architecture, memory, timeout, tracing, environment, role and code of the function."""
    expected = EXPECTED[name]
    function = stacks.client("lambda").get_function_configuration(FunctionName=expected.function)
    assert function["Runtime"] == "python3.13"
    assert function["Handler"] == "dynamodbmanager.handler.lambda_handler"
    assert function["Architectures"] == ["arm64"]
    assert (function["MemorySize"], function["Timeout"]) == (256, 10)
    assert function["TracingConfig"]["Mode"] == "Active"
    assert function["Role"].endswith(f":role/{expected.prefix}-function")
    zip_bytes = (stacks.dev.checkout / "dist" / "lambda.zip").read_bytes()
    assert function["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    variables = function["Environment"]["Variables"]
    assert variables == {
        "TABLE_NAME": expected.table,
        "IDEMPOTENCY_TABLE_NAME": expected.idempotency_table,
        "LOG_LEVEL": expected.log_level,
        "CORS_ALLOWED_ORIGINS": expected.cors,
        "POWERTOOLS_SERVICE_NAME": "dynamodbmanager",
        "POWERTOOLS_METRICS_NAMESPACE": "dynamodbmanager",
        "DYNAMODB_CONNECT_TIMEOUT": "1",
        "DYNAMODB_READ_TIMEOUT": "2",
        "DYNAMODB_CLIENT": "lean",
        "TELEMETRY": "lean",
        "TABLE_SHAPE": variables["TABLE_SHAPE"],
        "CURSOR_SIGNING_KEY": variables["CURSOR_SIGNING_KEY"],
    }
    # The shipped definition's shape, read from the same file the local stack reads.
    assert TableShape.from_env(variables["TABLE_SHAPE"], "anything") == TableShape.load()
    # A secret of its own per environment, long enough not to be guessed, and not the table's name.
    secret = variables["CURSOR_SIGNING_KEY"]
    assert len(secret) >= 64
    assert expected.table not in secret


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_function_role_allows_exactly_the_intended_actions_on_exactly_the_intended_resources(
    stacks: Stacks, name: str
) -> None:
    """Parse every policy of the role: the pairs (action, resource) it allows are exactly the intended ones."""
    expected = EXPECTED[name]
    iam = stacks.client("iam")
    role_name = f"{expected.prefix}-function"
    trust = policy_document(iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []

    allowed: set[tuple[str, str]] = set()
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = policy_document(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
        for statement in as_list(document["Statement"]):
            assert statement["Effect"] == "Allow"
            assert not {"NotAction", "NotResource", "Condition"} & set(statement), statement
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    assert "*" not in action, f"wildcard action {action}"
                    assert resource != "*" or action in XRAY_ACTIONS, f"{action} allowed on every resource"
                    allowed.add((action, resource))

    dynamodb = stacks.client("dynamodb")
    table_arn = dynamodb.describe_table(TableName=expected.table)["Table"]["TableArn"]
    idempotency_arn = dynamodb.describe_table(TableName=expected.idempotency_table)["Table"]["TableArn"]
    account = table_arn.split(":")[4]
    log_streams = f"arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/{expected.function}:log-stream:*"
    wanted = {(action, table_arn) for action in DYNAMODB_ACTIONS}
    wanted |= {(action, idempotency_arn) for action in IDEMPOTENCY_ACTIONS}
    wanted |= {("logs:CreateLogStream", log_streams), ("logs:PutLogEvents", log_streams)}
    wanted |= {(action, "*") for action in XRAY_ACTIONS}
    assert allowed == wanted


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_log_groups_exist_before_the_function_with_retention_and_the_environments_key(
    stacks: Stacks, name: str
) -> None:
    """The function's, the API's access and execution (and WAF's, in prod) log groups, with retention and key."""
    expected = EXPECTED[name]
    groups = {g["logGroupName"]: g for g in stacks.client("logs").describe_log_groups()["logGroups"]}
    api_id = stacks.api(name)["id"]
    wanted = {
        f"/aws/lambda/{expected.function}",
        f"/aws/apigateway/{expected.prefix}/access",
        f"API-Gateway-Execution-Logs_{api_id}/{name}",
    } | ({f"aws-waf-logs-{expected.prefix}"} if expected.waf else set())
    ours = {g for g in groups if expected.prefix in g or api_id in g}
    assert ours == wanted
    key_arn = stacks.client("kms").describe_key(KeyId=f"alias/{expected.prefix}")["KeyMetadata"]["Arn"]
    for group in wanted:
        assert groups[group]["retentionInDays"] == expected.retention_days, group
        assert groups[group]["kmsKeyId"] == key_arn, group


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_api_routes_require_the_key_except_health_console_and_preflights(stacks: Stacks, name: str) -> None:
    """Every route proxies to the function; data routes need the API key, the public ones and OPTIONS do not."""
    expected = EXPECTED[name]
    apigateway = stacks.client("apigateway")
    api = stacks.api(name)
    assert api["apiKeySource"] == "HEADER"
    function_arn = stacks.client("lambda").get_function_configuration(FunctionName=expected.function)["FunctionArn"]

    methods: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in apigateway.get_resources(restApiId=api["id"], limit=500)["items"]:
        for http_method in resource.get("resourceMethods", {}):
            methods[(resource["path"], http_method)] = apigateway.get_method(
                restApiId=api["id"], resourceId=resource["id"], httpMethod=http_method
            )
    assert set(methods) == DATA_ROUTES | PUBLIC_ROUTES | {(path, "OPTIONS") for path in API_PATHS}
    for route, method in methods.items():
        assert method["apiKeyRequired"] is (route in DATA_ROUTES), route
        assert method["authorizationType"] == "NONE", route
        integration = method["methodIntegration"]
        assert (integration["type"], integration["httpMethod"]) == ("AWS_PROXY", "POST"), route
        assert function_arn in integration["uri"], route

    policy = policy_document(stacks.client("lambda").get_policy(FunctionName=expected.function)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source_arn == f"arn:aws:execute-api:us-east-1:{function_arn.split(':')[4]}:{api['id']}/*"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_stage_logs_traces_and_throttles_behind_a_usage_plan_with_the_key(stacks: Stacks, name: str) -> None:
    """Access logs, tracing, throttle, per-method metrics off (opt-in); the usage plan and its key."""
    expected, outputs = EXPECTED[name], stacks.environment(name).outputs
    apigateway = stacks.client("apigateway")
    api_id = stacks.api(name)["id"]
    stage = apigateway.get_stage(restApiId=api_id, stageName=name)
    assert stage["tracingEnabled"] is True
    assert stage["accessLogSettings"]["destinationArn"].endswith(f":log-group:/aws/apigateway/{expected.prefix}/access")
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"
    settings = stage["methodSettings"]["*/*"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == expected.throttle
    assert settings["metricsEnabled"] is False
    assert (settings["dataTraceEnabled"], settings["loggingLevel"]) == (False, "ERROR")
    assert outputs["api_url"].endswith(f"{api_id}.execute-api.us-east-1.amazonaws.com/{name}")
    assert outputs["items_url"] == outputs["api_url"] + "/items"

    [plan] = [p for p in apigateway.get_usage_plans()["items"] if p["name"] == f"{expected.prefix}-default"]
    assert [(s["apiId"], s["stage"]) for s in plan["apiStages"]] == [(api_id, name)]
    assert plan["throttle"] == {"rateLimit": expected.throttle[0], "burstLimit": expected.throttle[1]}
    assert (plan["quota"]["limit"], plan["quota"]["period"]) == expected.quota
    [key] = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert key["id"] == outputs["api_key_id"]
    assert apigateway.get_api_key(apiKey=key["id"], includeValue=True)["value"] == outputs["api_key_value"]
    assert outputs["api_key_value"] != stacks.environment("prod" if name == "dev" else "dev").outputs["api_key_value"]


def test_the_account_setting_is_the_bootstraps_and_its_role_has_the_documented_trust(stacks: Stacks) -> None:
    """The region's API Gateway logging role: set by terraform/bootstrap, trusted by API Gateway with no condition."""
    account = stacks.client("apigateway").get_account()
    assert account["cloudwatchRoleArn"] == f"arn:aws:iam::123456789012:role/{ACCOUNT_ROLE}"
    iam = stacks.client("iam")
    trust = policy_document(iam.get_role(RoleName=ACCOUNT_ROLE)["Role"]["AssumeRolePolicyDocument"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    attached = iam.list_attached_role_policies(RoleName=ACCOUNT_ROLE)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    # Neither environment manages the setting or the role: destroying one cannot reset it.
    for name in ("dev", "prod"):
        types = {r["type"] for r in stacks.state(name)["resources"] if r["mode"] == "managed"}
        assert "aws_api_gateway_account" not in types, name
        assert ACCOUNT_ROLE not in json.dumps(
            [r for r in stacks.state(name)["resources"] if r["type"] == "aws_iam_role"]
        ), name


def test_api_gateways_own_errors_carry_the_cors_headers(stacks: Stacks) -> None:
    """dev allows any origin: its gateway responses (missing key, throttled, WAF...) say so; prod allows none."""
    apigateway = stacks.client("apigateway")
    responses = {
        r["responseType"]: r for r in apigateway.get_gateway_responses(restApiId=stacks.api("dev")["id"])["items"]
    }
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        assert response["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
        assert response["responseTemplates"] == {"application/json": '{"message":$context.error.messageString}'}
    assert apigateway.get_gateway_responses(restApiId=stacks.api("prod")["id"])["items"] == []


def test_waf_guards_prod_and_logs_only_what_it_blocks_without_keys(stacks: Stacks) -> None:
    """prod's web ACL: the managed rule sets and the rate limit on its stage, logs redacted and filtered."""
    wafv2 = stacks.client("wafv2")
    [summary] = wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]  # dev has WAF off
    assert summary["Name"] == "dynamodbmanager-prod"
    acl = wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["WebACL"]
    assert [rule["Name"] for rule in sorted(acl["Rules"], key=lambda r: r["Priority"])] == [
        "common-rule-set",
        "known-bad-inputs",
        "rate-limit-per-ip",
    ]
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{stacks.api('prod')['id']}/stages/prod"
    assert wafv2.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == acl["ARN"]
    logging = wafv2.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    assert logging["LogDestinationConfigs"][0].endswith(":log-group:aws-waf-logs-dynamodbmanager-prod")
    assert {f["SingleHeader"]["Name"] for f in logging["RedactedFields"]} == {"x-api-key", "authorization"}
    # Full logging is opt-in (waf_full_logging_enabled): by default only blocked and counted requests.
    assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
    [kept] = logging["LoggingFilter"]["Filters"]
    assert kept["Behavior"] == "KEEP"
    assert {c["ActionCondition"]["Action"] for c in kept["Conditions"]} == {"BLOCK", "COUNT"}


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_alarms_notify_an_encrypted_topic_and_the_dashboard_shows_the_service(stacks: Stacks, name: str) -> None:
    """Alarms on errors, throttles, 5XX and p99 latency; the topic (prod's subscribed); the dashboard."""
    expected, outputs = EXPECTED[name], stacks.environment(name).outputs
    cloudwatch = stacks.client("cloudwatch")
    topic_arn = outputs["alarm_topic_arn"]
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix=expected.prefix)["MetricAlarms"]}
    assert {n: (a["Namespace"], a["MetricName"]) for n, a in alarms.items()} == {
        f"{expected.prefix}-lambda-errors": ("AWS/Lambda", "Errors"),
        f"{expected.prefix}-lambda-throttles": ("AWS/Lambda", "Throttles"),
        f"{expected.prefix}-api-5xx": ("AWS/ApiGateway", "5XXError"),
        f"{expected.prefix}-api-latency-p99": ("AWS/ApiGateway", "Latency"),
        f"{expected.prefix}-dynamodb-read-throttles": ("AWS/DynamoDB", "ReadThrottleEvents"),
        f"{expected.prefix}-dynamodb-write-throttles": ("AWS/DynamoDB", "WriteThrottleEvents"),
    }
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [topic_arn], alarm["AlarmName"]
    sns = stacks.client("sns")
    key = stacks.client("kms").describe_key(KeyId=f"alias/{expected.prefix}")["KeyMetadata"]
    assert sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["KmsMasterKeyId"] == key["Arn"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert [s["Endpoint"] for s in subscriptions] == ([ALARM_EMAIL] if name == "prod" else [])

    body = json.loads(cloudwatch.get_dashboard(DashboardName=expected.prefix)["DashboardBody"])
    metrics = json.dumps([w["properties"].get("metrics", []) for w in body["widgets"]])
    for wanted in ("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB", expected.function, expected.table):
        assert wanted in metrics


def test_each_state_is_its_own_sse_kms_object_in_the_bootstrap_bucket(stacks: Stacks) -> None:
    """A state file per environment, written with SSE-KMS as the backend example asks; the bucket; no lock left."""
    s3 = stacks.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET).get("Contents", [])]
    assert keys == [f"dynamodbmanager/{name}/terraform.tfstate" for name in ("dev", "prod", WARM)]
    for key in keys:
        head = s3.head_object(Bucket=STATE_BUCKET, Key=key)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", "alias/aws/s3"), key
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    [rule] = s3.get_bucket_encryption(Bucket=STATE_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(s3.get_public_access_block(Bucket=STATE_BUCKET)["PublicAccessBlockConfiguration"].values())
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=STATE_BUCKET)["Rules"]}
    assert rules["expire-old-state-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rules["expire-old-state-versions"]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


# --- Provisioned concurrency: the API invokes the alias of a published version ------------------------


def test_provisioned_concurrency_sends_the_api_to_the_alias_of_the_newest_version(stacks: Stacks) -> None:
    """warm: a published version, the alias on it, every integration and the permission on the alias; no drift.

    The emulator keeps no provisioned-concurrency configuration (no such API), so warm's checkout leaves that
    resource out and test_terraform_static checks what it plans; the rest is what AWS would be given.
    """
    warm, awslambda = stacks.warm, stacks.client("lambda")
    function = f"dynamodbmanager-{WARM}-function"
    alias_arn = warm.outputs["function_alias_arn"]
    assert alias_arn == f"arn:aws:lambda:us-east-1:123456789012:function:{function}:{ALIAS}"
    # With both options off, there is no alias to name.
    assert stacks.dev.outputs.get("function_alias_arn") is None

    # The alias points at the newest published version: the deployed zip, never $LATEST.
    alias = awslambda.get_alias(FunctionName=function, Name=ALIAS)
    published = [v["Version"] for v in awslambda.list_versions_by_function(FunctionName=function)["Versions"]]
    assert alias["FunctionVersion"] == max((v for v in published if v != "$LATEST"), key=int)
    version = awslambda.get_function_configuration(FunctionName=function, Qualifier=alias["FunctionVersion"])
    zip_bytes = (warm.checkout / "dist" / "lambda.zip").read_bytes()
    assert version["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    assert version["SnapStart"]["ApplyOn"] == "None", "SnapStart and provisioned concurrency exclude each other"

    # Every route invokes the alias, and API Gateway may invoke the alias (the permission's qualifier).
    apigateway = stacks.client("apigateway")
    [api_id] = [a["id"] for a in apigateway.get_rest_apis()["items"] if a["name"] == f"dynamodbmanager-{WARM}"]
    uris = {
        (resource["path"], method): apigateway.get_integration(
            restApiId=api_id, resourceId=resource["id"], httpMethod=method
        )["uri"]
        for resource in apigateway.get_resources(restApiId=api_id, limit=500)["items"]
        for method in resource.get("resourceMethods", {})
    }
    assert len(uris) == len(DATA_ROUTES | PUBLIC_ROUTES) + len(API_PATHS)
    wanted = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{alias_arn}/invocations"
    assert set(uris.values()) == {wanted}
    policy = policy_document(awslambda.get_policy(FunctionName=function, Qualifier=ALIAS)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Resource"] == alias_arn
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f":{api_id}/*")

    # Planned again, nothing changes: the alias follows the version the function last published.
    assert warm.plan_summary().startswith("No changes."), (warm.plan_dir / "plan.txt").read_text()

    # And it all goes: function, versions, alias, API (only the KMS key stays, pending deletion).
    warm.terraform.run(
        warm.workspace,
        "destroy",
        "-input=false",
        "-auto-approve",
        "-refresh=false",
        "-no-color",
        f"-var-file=environments/{WARM}.tfvars",
        "-var=lambda_zip_path=../dist/lambda.zip",
        extra_env={"TF_DATA_DIR": str(warm.plan_dir / ".terraform")},
    )
    left = [line for line in inventory(stacks.emulator) if f"dynamodbmanager-{WARM}" in line or api_id in line]
    assert left == [f"key dynamodbmanager-{WARM} PendingDeletion"]
    assert stacks.state(WARM)["resources"] == []


# --- Tearing down: refusals, then dev, then prod the wrong way ---------------------------------------


def test_a_protected_environment_is_refused_before_anything_is_touched(stacks: Stacks) -> None:
    """`make destroy ENV=prod` refuses before planning, says how to turn protection off, and changes nothing."""
    before = inventory(stacks.emulator)
    refused = stacks.prod.script("destroy", "prod", check=False)
    assert refused.returncode == 1
    message = refused.stderr
    assert f"refusing to destroy 'prod': its table {SEED_TABLE} has deletion protection on" in message
    assert "table_deletion_protection = false in terraform/environments/prod.tfvars" in message
    assert "make deploy ENV=prod" in message
    assert not (stacks.prod.plan_dir / "destroy.tfplan").exists(), "refused before planning"
    assert not (stacks.prod.plan_dir / "destroy-plan.log").exists(), "refused before planning"
    after = inventory(stacks.emulator)
    assert (len(after), after) == (len(before), before)


def test_protection_turned_on_outside_terraform_is_refused_before_anything_is_touched(stacks: Stacks) -> None:
    """Protection set in the console, unknown to the state, is found in the refreshed plan: refused, nothing done."""
    dynamodb = stacks.client("dynamodb")
    dynamodb.update_table(TableName=EXPECTED["dev"].table, DeletionProtectionEnabled=True)
    try:
        before = inventory(stacks.emulator)
        refused = stacks.dev.script("destroy", "dev", check=False)
        assert refused.returncode == 1
        assert "refusing to destroy 'dev': its table dynamodbmanager-dev-items has deletion protection on" in (
            refused.stderr
        )
        assert not (stacks.dev.plan_dir / "destroy.tfplan").exists()
        after = inventory(stacks.emulator)
        assert (len(after), after) == (len(before), before)
    finally:
        dynamodb.update_table(TableName=EXPECTED["dev"].table, DeletionProtectionEnabled=False)


def test_destroying_dev_leaves_prod_and_the_account_setting_untouched(stacks: Stacks) -> None:
    """`make destroy ENV=dev` removes all of dev and nothing else; prod plans no changes afterwards."""
    dev_api = stacks.api("dev")["id"]

    def of_dev(line: str) -> bool:
        return "dynamodbmanager-dev" in line or dev_api in line

    before = inventory(stacks.emulator)
    stacks.dev.script("destroy", "dev")
    after = inventory(stacks.emulator)
    # The readable destroy plan the pipeline archives lists the key's usage plan link, whose value the
    # provider repeats without marking it sensitive: redacted all the same.
    readable = (stacks.dev.plan_dir / "destroy-plan.txt").read_text()
    assert stacks.dev.outputs["api_key_value"] not in readable
    assert re.search(r"- value\s+= \(sensitive value\) -> null", readable)

    gone = before - after
    assert gone
    assert all(of_dev(line) for line in gone), sorted(line for line in gone if not of_dev(line))
    # Of dev, only its KMS key is left, scheduled for deletion (it can be restored meanwhile).
    assert [line for line in after if of_dev(line)] == ["key dynamodbmanager-dev PendingDeletion"]
    assert after - before == {"key dynamodbmanager-dev PendingDeletion"}
    assert f"api gateway account role arn:aws:iam::123456789012:role/{ACCOUNT_ROLE}" in after
    assert f"role {ACCOUNT_ROLE}" in after
    assert stacks.state("dev")["resources"] == []
    # Every prod resource is still there as configured.
    summary = stacks.prod_elsewhere.plan_summary()
    assert summary.startswith("No changes."), (stacks.prod_elsewhere.plan_dir / "plan.txt").read_text()


def test_a_destroy_that_keeps_the_table_keeps_the_key_that_encrypts_the_logs(stacks: Stacks) -> None:
    """`terraform destroy` around the scripts: it fails on the protected table, and the KMS key is not scheduled."""
    prod = stacks.prod_elsewhere
    result = prod.terraform.run(
        prod.workspace,
        "destroy",
        "-input=false",
        "-auto-approve",
        "-no-color",
        "-var-file=environments/prod.tfvars",
        "-var=lambda_zip_path=../dist/lambda.zip",
        check=False,
        extra_env={"TF_DATA_DIR": str(prod.plan_dir / ".terraform")},
    )
    assert result.returncode != 0
    assert "deletion" in result.stderr.lower(), result.stderr
    after = inventory(stacks.emulator)
    # The half-delete the scripts' refusal prevents: the function is gone...
    assert f"function {EXPECTED['prod'].function}" not in after
    # ...but the table keeps its items, and the key of the logs and the alarm topic is not pending deletion.
    assert stacks.client("dynamodb").get_item(TableName=SEED_TABLE, Key={"id": SEED_ITEM["id"]})["Item"] == SEED_ITEM
    assert "key dynamodbmanager-prod Enabled" in after
