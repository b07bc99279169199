"""Apply the real Terraform configuration to the AWS emulator and check, through the AWS APIs, what it created.

One apply serves the whole module: the tests read the stack it made, and the last one destroys it and
checks that nothing is left. The provider reaches the emulator through scripts/emulator-workspace's
override file in a copy of terraform/, with the state in an S3 backend that terraform/bootstrap created in
the emulator. Variables keep their defaults (API key auth, WAF, tracing, deletion protection on).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.config import DEFAULT_IDEMPOTENCY_TABLE_NAME, DEFAULT_TABLE_NAME, Settings
from dynamodbmanager.local import gateway as local_gateway
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.schema import (
    IDEMPOTENCY_TTL_ATTRIBUTE,
    KEY_ATTRIBUTE,
    idempotency_table_definition,
    items_table_definition,
)

from .conftest import Terraform

STATE_BUCKET = "dynamodbmanager-tfstate-123456789012-us-east-1"
STATE_KEY = "dynamodbmanager/terraform.tfstate"
NAME = "dynamodbmanager-dev"
FUNCTION = "dynamodbmanager_function"
DATA_ROUTES = {
    ("/dynamodbmanager", "POST"),
    ("/items", "GET"),
    ("/items", "POST"),
    ("/items/{id}", "GET"),
    ("/items/{id}", "PUT"),
    ("/items/{id}", "PATCH"),
    ("/items/{id}", "DELETE"),
    ("/openapi.json", "GET"),
}
#: The local gateway's public routes: the applied API must leave open exactly those, no more.
PUBLIC_ROUTES = set(local_gateway.PUBLIC_ROUTES)
API_PATHS = {"/dynamodbmanager", "/items", "/items/{id}", "/openapi.json", "/health", "/console", "/console/{proxy+}"}
DYNAMODB_ACTIONS = {
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


@dataclass
class Deployment:
    """The applied stack: its Terraform workspace, its outputs and the emulator holding it."""

    workspace: Path
    terraform: Terraform
    emulator: Emulator
    zip_path: Path
    outputs: dict[str, Any]

    def tf(self, *args: str, check: bool = True) -> int:
        """Run terraform in the workspace with the zip variable set; returns the exit status."""
        return self.terraform.run(
            self.workspace, *args, f"-var=lambda_zip_path={self.zip_path}", check=check
        ).returncode

    def client(self, service: str) -> Any:
        """A botocore client for ``service`` on the emulator."""
        return self.emulator.client(service)


@pytest.fixture(scope="module")
def deployment(
    terraform: Terraform, infra_emulator: Emulator, lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    """The real configuration applied once, with default variables, to the module's emulator."""
    workspace = tmp_path_factory.mktemp("terraform") / "workspace"
    terraform.script("emulator-workspace", str(workspace), infra_emulator.url)
    terraform.run(workspace, "init", "-input=false", f"-backend-config={workspace / 'emulator.backend.hcl'}")
    terraform.run(workspace, "apply", "-input=false", "-auto-approve", f"-var=lambda_zip_path={lambda_zip}")
    return Deployment(workspace, terraform, infra_emulator, lambda_zip, terraform.outputs(workspace))


def policy_document(raw: Any) -> dict[str, Any]:
    """An IAM policy document as a dict, whether the API returned it parsed or as (URL-encoded) JSON."""
    if isinstance(raw, dict):
        return raw
    from urllib.parse import unquote

    text = str(raw)
    return dict(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    return list(value) if isinstance(value, list) else [value]


def test_plan_right_after_apply_shows_no_drift(deployment: Deployment) -> None:
    """A plan right after apply has nothing to do: the configuration describes exactly what was created."""
    plan = deployment.terraform.run(
        deployment.workspace,
        "plan",
        "-input=false",
        "-detailed-exitcode",
        "-no-color",
        f"-var=lambda_zip_path={deployment.zip_path}",
        check=False,
    )
    assert plan.returncode == 0, f"plan after apply is not empty (exit {plan.returncode}):\n{plan.stdout}{plan.stderr}"


def test_table_has_the_key_billing_backups_encryption_and_protection_declared(deployment: Deployment) -> None:
    """The table: key `id` (string), on demand, PITR, encrypted, deletion-protected, tagged."""
    dynamodb = deployment.client("dynamodb")
    table = dynamodb.describe_table(TableName=deployment.outputs["table_name"])["Table"]
    assert table["TableName"] == "anything"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["DeletionProtectionEnabled"] is True
    assert not table.get("GlobalSecondaryIndexes")
    assert not table.get("LocalSecondaryIndexes")
    backups = dynamodb.describe_continuous_backups(TableName="anything")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    assert tags["Service"] == "dynamodbmanager"
    assert tags["Environment"] == "dev"
    # Deletion protection is enforced, not only recorded.
    with pytest.raises(Exception, match=r"(?i)deletion ?protection"):
        dynamodb.delete_table(TableName="anything")


def test_table_is_the_one_the_local_stack_uses(deployment: Deployment) -> None:
    """The function's table has the name and key schema the local stack creates, from the one definition."""
    variables = deployment.client("lambda").get_function_configuration(FunctionName=FUNCTION)["Environment"][
        "Variables"
    ]
    table_name = variables["TABLE_NAME"]
    assert table_name == DEFAULT_TABLE_NAME == Settings().table_name
    dynamodb = deployment.client("dynamodb")
    deployed = dynamodb.describe_table(TableName=table_name)["Table"]
    definition = items_table_definition(table_name)
    assert deployed["KeySchema"] == definition["KeySchema"]
    assert deployed["AttributeDefinitions"] == definition["AttributeDefinitions"]
    assert deployed["BillingModeSummary"]["BillingMode"] == definition["BillingMode"]
    assert deployed["KeySchema"][0]["AttributeName"] == KEY_ATTRIBUTE
    # And the table the local stack creates with that definition has the same shape.
    deployment.emulator.ensure_table("local-stack-shape")
    try:
        local = dynamodb.describe_table(TableName="local-stack-shape")["Table"]
        assert local["KeySchema"] == deployed["KeySchema"]
        assert local["AttributeDefinitions"] == deployed["AttributeDefinitions"]
        assert local["BillingModeSummary"]["BillingMode"] == deployed["BillingModeSummary"]["BillingMode"]
    finally:
        dynamodb.delete_table(TableName="local-stack-shape")


def test_idempotency_table_is_the_one_the_local_stack_uses_with_a_ttl(deployment: Deployment) -> None:
    """The idempotency table: the name the function defaults to, the schema's definition, TTL on expiration."""
    variables = deployment.client("lambda").get_function_configuration(FunctionName=FUNCTION)["Environment"][
        "Variables"
    ]
    table_name = variables["IDEMPOTENCY_TABLE_NAME"]
    assert table_name == DEFAULT_IDEMPOTENCY_TABLE_NAME == Settings().idempotency_table_name
    dynamodb = deployment.client("dynamodb")
    deployed = dynamodb.describe_table(TableName=table_name)["Table"]
    definition = idempotency_table_definition(table_name)
    assert deployed["KeySchema"] == definition["KeySchema"]
    assert deployed["AttributeDefinitions"] == definition["AttributeDefinitions"]
    assert deployed["BillingModeSummary"]["BillingMode"] == definition["BillingMode"]
    assert deployed["SSEDescription"]["Status"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", IDEMPOTENCY_TTL_ATTRIBUTE)


def test_function_runs_the_built_zip_with_its_runtime_settings(deployment: Deployment) -> None:
    """Runtime, handler, architecture, memory, timeout, tracing, environment, role and code of the function."""
    function = deployment.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    assert function["Runtime"] == "python3.13"
    assert function["Handler"] == "dynamodbmanager.handler.lambda_handler"
    assert function["Architectures"] == ["arm64"]
    assert function["MemorySize"] == 256
    assert function["Timeout"] == 10
    assert function["TracingConfig"]["Mode"] == "Active"
    assert function["Role"].endswith(f":role/{NAME}-function")
    assert (
        function["CodeSha256"] == base64.b64encode(hashlib.sha256(deployment.zip_path.read_bytes()).digest()).decode()
    )
    assert function["Environment"]["Variables"] == {
        "TABLE_NAME": "anything",
        "IDEMPOTENCY_TABLE_NAME": "dynamodbmanager_idempotency",
        "LOG_LEVEL": "INFO",
        "CORS_ALLOWED_ORIGINS": "",
        "POWERTOOLS_SERVICE_NAME": "dynamodbmanager",
        "POWERTOOLS_METRICS_NAMESPACE": "dynamodbmanager",
        "DYNAMODB_CONNECT_TIMEOUT": "1",
        "DYNAMODB_READ_TIMEOUT": "2",
    }
    assert deployment.outputs["function_name"] == FUNCTION


def test_function_role_allows_exactly_the_intended_actions_on_exactly_the_intended_resources(
    deployment: Deployment,
) -> None:
    """Parse every policy of the role: the pairs (action, resource) it allows are exactly the intended ones."""
    iam = deployment.client("iam")
    role_name = f"{NAME}-function"
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

    table_arn = deployment.client("dynamodb").describe_table(TableName="anything")["Table"]["TableArn"]
    account = table_arn.split(":")[4]
    log_streams = f"arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/{FUNCTION}:log-stream:*"
    expected = {(action, table_arn) for action in DYNAMODB_ACTIONS}
    idempotency_arn = table_arn.replace(":table/anything", f":table/{DEFAULT_IDEMPOTENCY_TABLE_NAME}")
    expected |= {(action, idempotency_arn) for action in IDEMPOTENCY_ACTIONS}
    expected |= {("logs:CreateLogStream", log_streams), ("logs:PutLogEvents", log_streams)}
    expected |= {(action, "*") for action in XRAY_ACTIONS}
    assert allowed == expected


def test_log_groups_exist_before_the_function_with_retention_and_key(deployment: Deployment) -> None:
    """The function's, the API's access and execution, and WAF's log groups, kept 30 days, encrypted."""
    logs = deployment.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    api_id = deployment.client("apigateway").get_rest_apis()["items"][0]["id"]
    expected = {
        f"/aws/lambda/{FUNCTION}",
        f"/aws/apigateway/{NAME}/access",
        f"API-Gateway-Execution-Logs_{api_id}/dev",
        f"aws-waf-logs-{NAME}",
    }
    assert set(groups) == expected
    key_arn = deployment.client("kms").describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]["Arn"]
    for name in expected:
        assert groups[name]["retentionInDays"] == 30, name
        assert groups[name]["kmsKeyId"] == key_arn, name
    assert deployment.outputs["log_group_name"] == f"/aws/lambda/{FUNCTION}"


def test_api_routes_require_the_key_except_health_console_and_preflights(deployment: Deployment) -> None:
    """Every route proxies to the function; data routes need the API key, the public ones and OPTIONS do not."""
    apigateway = deployment.client("apigateway")
    api = apigateway.get_rest_apis()["items"][0]
    assert api["name"] == NAME
    assert api["apiKeySource"] == "HEADER"
    function_arn = deployment.client("lambda").get_function_configuration(FunctionName=FUNCTION)["FunctionArn"]

    methods: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in apigateway.get_resources(restApiId=api["id"], limit=500)["items"]:
        for http_method in resource.get("resourceMethods", {}):
            methods[(resource["path"], http_method)] = apigateway.get_method(
                restApiId=api["id"], resourceId=resource["id"], httpMethod=http_method
            )
    preflights = {(path, "OPTIONS") for path in API_PATHS}
    assert set(methods) == DATA_ROUTES | PUBLIC_ROUTES | preflights
    for route, method in methods.items():
        keyed = route in DATA_ROUTES
        assert method["apiKeyRequired"] is keyed, route
        assert method["authorizationType"] == "NONE", route
        integration = method["methodIntegration"]
        assert integration["type"] == "AWS_PROXY", route
        assert integration["httpMethod"] == "POST", route
        assert function_arn in integration["uri"], route

    policy = policy_document(deployment.client("lambda").get_policy(FunctionName=FUNCTION)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source_arn == f"arn:aws:execute-api:us-east-1:{function_arn.split(':')[4]}:{api['id']}/*"


def test_stage_logs_traces_and_throttles_behind_a_usage_plan_with_the_key(deployment: Deployment) -> None:
    """The stage's access logs, tracing and throttle; the usage plan's throttle and quota; the key attached."""
    apigateway = deployment.client("apigateway")
    api_id = apigateway.get_rest_apis()["items"][0]["id"]
    stage = apigateway.get_stage(restApiId=api_id, stageName="dev")
    assert stage["tracingEnabled"] is True
    assert stage["accessLogSettings"]["destinationArn"].endswith(f":log-group:/aws/apigateway/{NAME}/access")
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"
    settings = stage["methodSettings"]["*/*"]
    assert settings["throttlingRateLimit"] == 50
    assert settings["throttlingBurstLimit"] == 100
    assert settings["metricsEnabled"] is True
    assert settings["dataTraceEnabled"] is False
    assert settings["loggingLevel"] == "ERROR"
    assert deployment.outputs["api_url"].endswith(f"{api_id}.execute-api.us-east-1.amazonaws.com/dev")
    assert deployment.outputs["rpc_url"] == deployment.outputs["api_url"] + "/dynamodbmanager"
    assert deployment.outputs["items_url"] == deployment.outputs["api_url"] + "/items"

    [plan] = apigateway.get_usage_plans()["items"]
    assert [(s["apiId"], s["stage"]) for s in plan["apiStages"]] == [(api_id, "dev")]
    assert plan["throttle"] == {"rateLimit": 50, "burstLimit": 100}
    assert plan["quota"]["limit"] == 100000
    assert plan["quota"]["period"] == "MONTH"
    [key] = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert key["id"] == deployment.outputs["api_key_id"]
    value = apigateway.get_api_key(apiKey=key["id"], includeValue=True)["value"]
    assert value == deployment.outputs["api_key_value"]
    assert len(value) >= 20


def test_waf_guards_the_stage_and_logs_without_keys(deployment: Deployment) -> None:
    """The web ACL has the managed rule sets and the rate limit, is attached to the stage, and redacts keys."""
    wafv2 = deployment.client("wafv2")
    [summary] = wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]
    acl = wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["WebACL"]
    assert [rule["Name"] for rule in sorted(acl["Rules"], key=lambda r: r["Priority"])] == [
        "common-rule-set",
        "known-bad-inputs",
        "rate-limit-per-ip",
    ]
    api_id = deployment.client("apigateway").get_rest_apis()["items"][0]["id"]
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/dev"
    assert wafv2.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == acl["ARN"]
    logging = wafv2.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    assert logging["LogDestinationConfigs"][0].endswith(f":log-group:aws-waf-logs-{NAME}")
    assert {f["SingleHeader"]["Name"] for f in logging["RedactedFields"]} == {"x-api-key", "authorization"}


def test_alarms_notify_an_encrypted_topic_and_the_dashboard_shows_the_service(deployment: Deployment) -> None:
    """Alarms on function errors and throttles, API 5XX and p99 latency, table throttles; topic; dashboard."""
    cloudwatch = deployment.client("cloudwatch")
    topic_arn = deployment.outputs["alarm_topic_arn"]
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    expected = {
        f"{NAME}-lambda-errors": ("AWS/Lambda", "Errors"),
        f"{NAME}-lambda-throttles": ("AWS/Lambda", "Throttles"),
        f"{NAME}-api-5xx": ("AWS/ApiGateway", "5XXError"),
        f"{NAME}-api-latency-p99": ("AWS/ApiGateway", "Latency"),
        f"{NAME}-dynamodb-read-throttles": ("AWS/DynamoDB", "ReadThrottleEvents"),
        f"{NAME}-dynamodb-write-throttles": ("AWS/DynamoDB", "WriteThrottleEvents"),
    }
    assert {name: (a["Namespace"], a["MetricName"]) for name, a in alarms.items()} == expected
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [topic_arn], alarm["AlarmName"]
    assert alarms[f"{NAME}-api-latency-p99"]["ExtendedStatistic"] == "p99"
    assert alarms[f"{NAME}-api-latency-p99"]["Threshold"] == 1500

    attributes = deployment.client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    key = deployment.client("kms").describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]
    assert attributes["KmsMasterKeyId"] == key["Arn"]
    assert deployment.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True

    body = json.loads(cloudwatch.get_dashboard(DashboardName=NAME)["DashboardBody"])
    metrics = json.dumps([w["properties"].get("metrics", []) for w in body["widgets"]])
    for wanted in ("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB", FUNCTION, "anything"):
        assert wanted in metrics
    assert deployment.outputs["dashboard_url"].endswith(f"#dashboards:name={NAME}")


def test_state_lives_in_the_versioned_encrypted_bucket_and_the_lock_is_released(deployment: Deployment) -> None:
    """The S3 backend holds the state, the bootstrap bucket is versioned and encrypted, no lock is left."""
    s3 = deployment.client("s3")
    state = json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=STATE_KEY)["Body"].read())
    assert any(r["type"] == "aws_lambda_function" for r in state["resources"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET).get("Contents", [])]
    assert keys == [STATE_KEY]
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    [rule] = s3.get_bucket_encryption(Bucket=STATE_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=STATE_BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())


def test_destroy_leaves_nothing_behind(deployment: Deployment) -> None:
    """Turn deletion protection off (as an operator would), destroy, and find nothing of the stack left."""
    deployment.tf("apply", "-input=false", "-auto-approve", "-var=table_deletion_protection=false")
    dynamodb = deployment.client("dynamodb")
    assert dynamodb.describe_table(TableName="anything")["Table"]["DeletionProtectionEnabled"] is False
    deployment.tf("destroy", "-input=false", "-auto-approve", "-var=table_deletion_protection=false")

    apigateway = deployment.client("apigateway")
    assert dynamodb.list_tables()["TableNames"] == []
    assert deployment.client("lambda").list_functions()["Functions"] == []
    assert deployment.client("iam").list_roles()["Roles"] == []
    assert deployment.client("logs").describe_log_groups()["logGroups"] == []
    assert apigateway.get_rest_apis()["items"] == []
    assert apigateway.get_api_keys()["items"] == []
    assert apigateway.get_usage_plans()["items"] == []
    assert deployment.client("sns").list_topics()["Topics"] == []
    assert deployment.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert deployment.client("cloudwatch").list_dashboards()["DashboardEntries"] == []
    assert deployment.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] == []
    kms = deployment.client("kms")
    ours = [
        kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        for k in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("Description", "").startswith(NAME)
    ]
    assert [key["KeyState"] for key in ours] == ["PendingDeletion"]
    assert [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == f"alias/{NAME}"] == []
    s3 = deployment.client("s3")
    state = json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=STATE_KEY)["Body"].read())
    assert state["resources"] == []

    # The state bucket stays (terraform/bootstrap made it for every environment), with the empty state only.
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [STATE_BUCKET]
