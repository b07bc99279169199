"""Checks of terraform/ that need no emulator: format, validity, variables, environment files, checkov.

Also one test for each rule of a real account that can be read without AWS: the version constraint, the
backend examples' keys, one owner of the API Gateway account setting and its role's trust policy, names
per environment, gateway responses with CORS, the zip path scripts/tf hands Terraform, the required alarm
decision in prod, the opt-in costs and the state bucket's lifecycle.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.events import STAGE_NAME_PATTERN
from dynamodbmanager.schema import TableShape

from .conftest import ROOT, SCRIPTS, TERRAFORM_DIR, Terraform, load_tfjson

CONFIGURATIONS = {"main": TERRAFORM_DIR, "bootstrap": TERRAFORM_DIR / "bootstrap"}
VARIABLE = re.compile(r'^variable "(?P<name>\w+)" \{\n(?P<body>.*?)^\}', re.MULTILINE | re.DOTALL)
ARGUMENT = re.compile(r"^  (\w+)\s*=", re.MULTILINE)


def test_configuration_is_formatted(terraform: Terraform) -> None:
    """``terraform fmt -check`` finds nothing to rewrite anywhere under terraform/."""
    result = terraform.run(TERRAFORM_DIR, "fmt", "-check", "-recursive", "-diff", check=False)
    assert result.returncode == 0, result.stdout


def _with_table_definitions(configuration: Path) -> None:
    """The table definitions beside a copied configuration, where a checkout has them (``../src/...``)."""
    tables = TERRAFORM_DIR.parent / "src" / "dynamodbmanager" / "tables"
    shutil.copytree(tables, configuration.parent / "src" / "dynamodbmanager" / "tables", dirs_exist_ok=True)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_configuration_is_valid(terraform: Terraform, tmp_path: Path, name: str) -> None:
    """``terraform validate`` accepts each configuration; its only warning is a known, deliberate one."""
    copy = tmp_path / name
    shutil.copytree(CONFIGURATIONS[name], copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "bootstrap"))
    _with_table_definitions(copy)
    terraform.run(copy, "init", "-backend=false", "-input=false")
    result = json.loads(terraform.run(copy, "validate", "-json", check=False).stdout)
    assert result["valid"] is True, result["diagnostics"]
    assert result["error_count"] == 0
    assert result["diagnostics"] == [], "no deprecated argument (reset_on_delete is gone in provider 6)"


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_every_variable_has_description_type_default_and_is_used(name: str) -> None:
    """description, type, default in that order; a validation for every string and number; each one used."""
    directory = CONFIGURATIONS[name]
    variables = VARIABLE.findall((directory / "variables.tf").read_text())
    assert variables
    code = "\n".join(path.read_text() for path in directory.glob("*.tf") if path.name != "variables.tf")
    for variable, body in variables:
        assert ARGUMENT.findall(body)[:3] == ["description", "type", "default"], variable
        description = re.search(r'description = "(.+)"', body)
        assert description, variable
        assert len(description[1]) >= 20, f"{variable}: say what it is for"
        if re.search(r"^  type\s+= (string|number)$", body, re.MULTILINE) and variable != "tags":
            assert "validation {" in body, f"{variable} has no validation"
        uses = re.findall(rf"\bvar\.{variable}\b", code + (directory / "variables.tf").read_text())
        assert uses, f"{variable} is declared but never used"


def test_the_local_stack_accepts_the_stage_names_the_terraform_does() -> None:
    """``dynamodbmanager local --stage`` validates with the very pattern of the ``stage_name`` variable."""
    variables = dict(VARIABLE.findall((TERRAFORM_DIR / "variables.tf").read_text()))
    assert f'regex("{STAGE_NAME_PATTERN}", var.stage_name)' in variables["stage_name"]


def test_required_versions_pin_terraform_and_the_aws_provider() -> None:
    """Terraform >= 1.11 (the S3 backend's lock file is experimental in 1.10) and the AWS provider ~> 5.100."""
    for directory in CONFIGURATIONS.values():
        versions = (directory / "versions.tf").read_text()
        assert 'required_version = ">= 1.11.0, < 2.0.0"' in versions
        assert re.search(r'source\s+= "hashicorp/aws"\s+version\s+= "~> 5\.100"', versions)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_environment_has_tfvars_and_a_backend_example_with_a_lock_and_no_bucket_name(env: str) -> None:
    """Each environment: a tfvars file and a backend example that locks, encrypts with KMS and names no bucket."""
    environments = TERRAFORM_DIR / "environments"
    assert (environments / f"{env}.tfvars").is_file()
    example = (environments / f"{env}.backend.hcl.example").read_text()
    settings = dict(re.findall(r"^(\w+)\s*=\s*(.+)$", example, re.MULTILINE))
    assert "bucket" not in settings
    assert settings["key"] == f'"dynamodbmanager/{env}/terraform.tfstate"'
    assert settings["use_lockfile"] == "true"
    assert settings["encrypt"] == "true"
    # Without a key the backend asks S3 for AES256 on every write, whatever the bucket's default says.
    assert settings["kms_key_id"] == '"alias/aws/s3"'
    assert 'backend "s3" {}' in (TERRAFORM_DIR / "versions.tf").read_text()


@pytest.fixture(scope="module")
def console(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[Any, str]]:
    """``terraform console`` on a copy of terraform/ with a local backend: evaluates variables, validations included."""
    copy = tmp_path_factory.mktemp("console") / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "bootstrap"))
    _with_table_definitions(copy)
    (copy / "local_backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    terraform.run(copy, "init", "-input=false")

    def evaluate(expression: str, *args: str) -> tuple[Any, str]:
        # console always exits 0: a failed validation shows only as an error on stderr.
        result = subprocess.run(
            ["terraform", f"-chdir={copy}", "console", "-no-color", *args],
            input=f"jsonencode({expression})\n",
            env=terraform.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        value = json.loads(json.loads(result.stdout.strip().splitlines()[-1])) if result.stdout.strip() else None
        return value, result.stderr

    return evaluate


@pytest.mark.parametrize(("env", "protected"), [("dev", False), ("prod", True)])
def test_environment_files_pass_every_validation(
    console: Callable[..., tuple[Any, str]], env: str, protected: bool
) -> None:
    """Each tfvars file sets only declared variables to values their validations accept; prod stays protected."""
    value, errors = console(
        "[var.environment, var.stage_name, var.table_deletion_protection]",
        f"-var-file=environments/{env}.tfvars",
        "-var=alarm_email=oncall@example.com",
    )
    assert errors == ""
    assert value == [env, env, protected]


def test_prod_makes_the_alarm_subscription_a_required_decision(console: Callable[..., tuple[Any, str]]) -> None:
    """prod.tfvars as committed fails with what to do; an e-mail, or deliberately none, satisfies it; dev needs none."""
    _, refused = console("var.alarm_email", "-var-file=environments/prod.tfvars")
    refused = " ".join(refused.split())  # Terraform wraps long messages
    assert "alarms must reach someone: set alarm_email in its tfvars" in refused
    assert "alarm_email_required = false" in refused
    for decision in ("-var=alarm_email=oncall@example.com", "-var=alarm_email_required=false"):
        _, errors = console("var.alarm_email", "-var-file=environments/prod.tfvars", decision)
        assert errors == "", decision
    _, errors = console("var.alarm_email", "-var-file=environments/dev.tfvars")
    assert errors == ""


def test_every_name_depends_on_the_environment_unless_set(console: Callable[..., tuple[Any, str]]) -> None:
    """Tables, function and log group are named per environment, so dev and prod fit in one account and region."""
    names = "[local.table_name, local.idempotency_table_name, local.function_name, local.lambda_log_group_name]"
    by_env = {
        env: console(names, f"-var-file=environments/{env}.tfvars", "-var=alarm_email=oncall@example.com")[0]
        for env in ("dev", "prod")
    }
    assert by_env["dev"] == [
        "dynamodbmanager-dev-items",
        "dynamodbmanager-dev-idempotency",
        "dynamodbmanager-dev-function",
        "/aws/lambda/dynamodbmanager-dev-function",
    ]
    assert by_env["prod"] == [name.replace("-dev-", "-prod-") for name in by_env["dev"]]
    # An existing table (the original system's `anything`) is adopted by naming it.
    adopted, _ = console("local.table_name", "-var=table_name=anything")
    assert adopted == "anything"
    # No fixed default is left that the two environments would share.
    for variable in ("table_name", "idempotency_table_name", "function_name"):
        default, _ = console(f"var.{variable}")
        assert default is None, variable


@pytest.mark.parametrize(
    ("origins", "headers"),
    [
        ("[]", {}),
        ('["*"]', {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}),
        (
            '["https://app.example.com"]',
            {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
                "gatewayresponse.header.Vary": "'Origin'",
            },
        ),
        (
            '["https://a.example.com", "https://b.example.com"]',
            {
                "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.Origin",
                "gatewayresponse.header.Vary": "'Origin'",
            },
        ),
    ],
)
def test_gateway_responses_carry_the_cors_headers_of_the_allowed_origins(
    console: Callable[..., tuple[Any, str]], origins: str, headers: dict[str, str]
) -> None:
    """API Gateway's own 4XX and 5XX answers (missing key, throttled, WAF) carry CORS headers for allowed origins."""
    value, errors = console("local.gateway_response_headers", f"-var=cors_allowed_origins={origins}")
    assert errors == ""
    assert value == headers
    code = (TERRAFORM_DIR / "apigateway.tf").read_text()
    block = resource_block(code, "aws_api_gateway_gateway_response", "cors")
    assert 'toset(["DEFAULT_4XX", "DEFAULT_5XX"])' in block
    assert "response_parameters = local.gateway_response_headers" in block
    assert "aws_api_gateway_gateway_response.cors" in resource_block(code, "aws_api_gateway_deployment", "this")


def test_unauthenticated_api_needs_explicit_consent(console: Callable[..., tuple[Any, str]]) -> None:
    """api_auth = NONE is refused unless allow_unauthenticated_api is true; other bad values are refused too."""
    _, refused = console("var.api_auth", "-var=api_auth=NONE")
    assert "allow_unauthenticated_api = true to confirm" in refused
    _, consented = console("var.api_auth", "-var=api_auth=NONE", "-var=allow_unauthenticated_api=true")
    assert consented == ""
    bad = ("-var=api_auth=COGNITO", "-var=lambda_timeout_seconds=60", '-var=cors_allowed_origins=["x.com/"]')
    _, errors = console("var.api_auth", *bad)
    assert errors.count("Invalid value for variable") == len(bad), errors


def test_cold_start_options_are_off_by_default_and_refuse_what_aws_refuses(
    console: Callable[..., tuple[Any, str]],
) -> None:
    """provisioned_concurrency (0) and snap_start (false) default to off; bad values and the pair are refused."""
    variables = dict(VARIABLE.findall((TERRAFORM_DIR / "variables.tf").read_text()))
    assert re.search(r"^  type\s+= number$", variables["provisioned_concurrency"], re.MULTILINE)
    assert re.search(r"^  type\s+= bool$", variables["snap_start"], re.MULTILINE)
    for name in ("provisioned_concurrency", "snap_start"):
        assert "billed per GB-second" in variables[name], f"{name}: say what it costs"
    value, errors = console("[var.provisioned_concurrency, var.snap_start, local.use_alias]")
    assert (value, errors) == ([0, False, False], "")
    for setting in ("-var=provisioned_concurrency=2", "-var=snap_start=true"):
        value, errors = console("local.use_alias", setting)
        assert (value, errors) == (True, ""), setting
    # Within a reserved concurrency, provisioned instances are taken out of it.
    _, errors = console("local.use_alias", "-var=provisioned_concurrency=2", "-var=lambda_reserved_concurrency=2")
    assert errors == ""
    for bad, message in (
        ("-var=provisioned_concurrency=-1", "whole number >= 0"),
        ("-var=provisioned_concurrency=1.5", "whole number >= 0"),
    ):
        _, errors = console("var.provisioned_concurrency", bad)
        assert message in " ".join(errors.split()), bad
    _, errors = console(
        "var.provisioned_concurrency", "-var=provisioned_concurrency=3", "-var=lambda_reserved_concurrency=2"
    )
    assert "cannot exceed lambda_reserved_concurrency" in " ".join(errors.split())
    _, errors = console("var.snap_start", "-var=snap_start=true", "-var=provisioned_concurrency=1")
    errors = " ".join(errors.split())  # Terraform wraps long messages
    assert "snap_start and provisioned_concurrency cannot both be on" in errors
    assert "does not support provisioned concurrency on a SnapStart function version" in errors


#: A ``terraform test`` of terraform/ against a mocked AWS provider: each run plans, and the mock gives the
#: function, its versions and the alias known ARNs already at plan time (override_during = plan).
COLD_START_TFTEST = """
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_lambda_function" {
    defaults = {
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/function/invocations"
      version    = "7"
    }
  }
  mock_resource "aws_lambda_alias" {
    defaults = {
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/function:live/invocations"
    }
  }
  mock_data "aws_iam_roles" {
    defaults = { names = ["dynamodbmanager-apigateway-cloudwatch-us-east-1"] }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  environment = "dev"
}

run "both_off_leave_the_function_as_it_was" {
  command = plan
  assert {
    condition     = !aws_lambda_function.this.publish && length(aws_lambda_function.this.snap_start) == 0
    error_message = "publish or snap_start set with both options off"
  }
  assert {
    condition     = length(aws_lambda_alias.live) == 0 && length(aws_lambda_provisioned_concurrency_config.live) == 0
    error_message = "an alias or a provisioned concurrency with both options off"
  }
  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.this : i.uri == aws_lambda_function.this.invoke_arn])
    error_message = "an integration does not invoke the function"
  }
  assert {
    condition     = aws_lambda_permission.api_gateway.qualifier == null
    error_message = "the permission has a qualifier"
  }
}

run "provisioned_concurrency_on_the_alias" {
  command = plan
  variables {
    provisioned_concurrency = 2
  }
  assert {
    condition     = aws_lambda_function.this.publish && length(aws_lambda_function.this.snap_start) == 0
    error_message = "the function does not publish, or has SnapStart"
  }
  assert {
    condition     = aws_lambda_alias.live[0].name == "live" && aws_lambda_alias.live[0].function_version == "7"
    error_message = "the alias is not live on the published version"
  }
  assert {
    condition     = aws_lambda_provisioned_concurrency_config.live[0].qualifier == "live"
    error_message = "the provisioned concurrency is not on the alias"
  }
  assert {
    condition     = aws_lambda_provisioned_concurrency_config.live[0].provisioned_concurrent_executions == 2
    error_message = "the provisioned concurrency is not 2"
  }
  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.this : i.uri == aws_lambda_alias.live[0].invoke_arn])
    error_message = "an integration does not invoke the alias"
  }
  assert {
    condition     = aws_lambda_permission.api_gateway.qualifier == "live"
    error_message = "the permission is not on the alias"
  }
}

run "snap_start_on_published_versions" {
  command = plan
  variables {
    snap_start = true
  }
  assert {
    condition     = aws_lambda_function.this.snap_start[0].apply_on == "PublishedVersions"
    error_message = "no SnapStart on published versions"
  }
  assert {
    condition     = aws_lambda_function.this.publish
    error_message = "the function does not publish versions"
  }
  assert {
    condition     = length(aws_lambda_alias.live) == 1 && length(aws_lambda_provisioned_concurrency_config.live) == 0
    error_message = "SnapStart needs the alias and no provisioned concurrency"
  }
  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.this : i.uri == aws_lambda_alias.live[0].invoke_arn])
    error_message = "an integration does not invoke the alias"
  }
  assert {
    condition     = aws_lambda_permission.api_gateway.qualifier == "live"
    error_message = "the permission is not on the alias"
  }
}

run "both_on_is_refused" {
  command = plan
  variables {
    snap_start              = true
    provisioned_concurrency = 1
  }
  expect_failures = [var.snap_start]
}
"""


def test_cold_start_options_plan_the_version_alias_and_snapshot_aws_needs(terraform: Terraform, tmp_path: Path) -> None:
    """Planned with a mocked provider: off changes nothing; on, a version, the alias, and the API on the alias.

    The emulator stores neither a provisioned-concurrency configuration nor SnapStart, so their plan is checked here.
    """
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "bootstrap"))
    _with_table_definitions(copy)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "lambda.zip").write_bytes(b"PK")
    (copy / "tests").mkdir(exist_ok=True)
    (copy / "tests" / "cold_starts.tftest.hcl").write_text(COLD_START_TFTEST)
    terraform.run(copy, "init", "-backend=false", "-input=false")
    result = terraform.run(copy, "test", "-no-color", check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr
    assert "Success! 4 passed, 0 failed." in result.stdout


def test_the_readme_says_how_to_turn_on_each_cold_start_option_and_what_it_costs() -> None:
    """The deployment part explains both variables, prices them and cites AWS for SnapStart's support."""
    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("## Deploy to AWS") : readme.index("## Pipeline")]
    section = deploy[deploy.index("### Against cold starts") :]
    section = section[: section.index("\n### ", 1)]
    for wanted in (
        "provisioned_concurrency = 1",
        "snap_start              = true",
        "648,000 GB-seconds",
        "https://aws.amazon.com/lambda/pricing/",
        "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html",
        "@register_after_restore",
    ):
        assert wanted in section, wanted


def test_configuration_keeps_no_trace_of_the_emulator() -> None:
    """Endpoints, dummy keys and skipped checks live only in the override the tests write, never in terraform/."""
    for path in TERRAFORM_DIR.rglob("*"):
        if path.is_file() and ".terraform" not in path.parts:
            text = path.read_text()
            for trace in ("127.0.0.1", "localhost", "endpoints {", "skip_credentials_validation", '"testing"'):
                assert trace not in text, f"{path.relative_to(TERRAFORM_DIR)} mentions {trace}"
            assert not path.name.endswith("_override.tf")


def checkov() -> Any:
    """checkov's JSON report over terraform/ (bootstrap included), from its own virtualenv (scripts/checkov)."""
    # .terraform/ holds downloaded providers and modules after a local `make deploy`: not ours to check.
    argv = [str(SCRIPTS / "checkov"), "-d", str(TERRAFORM_DIR), "--framework", "terraform", "--skip-download"]
    argv += ["--skip-path", r"\.terraform", "--output", "json"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def test_checkov_fails_no_check_and_every_skip_says_why() -> None:
    """Zero failed checks over both configurations; each skipped check carries its one-line reason."""
    report = checkov()
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] >= 100
    # File paths are relative to terraform/: "/lambda.tf", "/bootstrap/main.tf".
    assert {Path(c["file_path"]).parent.name for c in results["passed_checks"]} == {"", "bootstrap"}
    for skipped in results["skipped_checks"]:
        reason = skipped["check_result"].get("suppress_comment", "")
        assert len(reason) >= 20, f"{skipped['check_id']} on {skipped['resource']} is skipped without a reason"


def resource_block(code: str, kind: str, name: str, block: str = "resource") -> str:
    """The text of ``block "kind" "name" { ... }`` in ``code``, up to its closing brace at the start of a line."""
    match = re.search(rf'^{block} "{kind}" "{name}" \{{\n(.*?)^\}}', code, re.MULTILINE | re.DOTALL)
    assert match, f"{block} {kind}.{name} not found"
    return match[1]


def test_the_api_gateway_account_setting_has_one_owner_the_bootstrap() -> None:
    """The region-wide setting lives in terraform/bootstrap only; environments check the role, never reset it."""
    environment_code = "\n".join(path.read_text() for path in TERRAFORM_DIR.glob("*.tf"))
    bootstrap_code = "\n".join(path.read_text() for path in (TERRAFORM_DIR / "bootstrap").glob("*.tf"))
    assert 'resource "aws_api_gateway_account"' not in environment_code
    assert bootstrap_code.count('resource "aws_api_gateway_account"') == 1
    assert 'data "aws_iam_roles" "api_gateway_cloudwatch"' in environment_code
    assert "data.aws_iam_roles.api_gateway_cloudwatch" in resource_block(
        environment_code, "aws_api_gateway_stage", "this"
    )
    for path in [*TERRAFORM_DIR.rglob("*.tf"), SCRIPTS / "emulator-workspace"]:
        assert "reset_on_delete" not in path.read_text(), path


def test_the_logging_roles_trust_policy_is_the_documented_one_without_a_condition() -> None:
    """API Gateway may assume the logging role, with no condition: AWS's examples for this role use none."""
    code = (TERRAFORM_DIR / "bootstrap" / "apigateway.tf").read_text()
    assert "assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json" in resource_block(
        code, "aws_iam_role", "api_gateway_cloudwatch"
    )
    trust = resource_block(code, "aws_iam_policy_document", "api_gateway_assume", block="data")
    assert 'actions = ["sts:AssumeRole"]' in trust
    assert 'identifiers = ["apigateway.amazonaws.com"]' in trust
    assert "condition" not in trust
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in code


#: A value the stub's plan marks sensitive, which its readable plan repeats where nothing marks it.
STUB_SECRET = "stub-api-key-0123456789abcdef"
STUB_SUMMARY = "Plan: 0 to add, 0 to change, 2 to destroy."


@dataclass(frozen=True)
class RecordingTerraform:
    """A checkout whose ``terraform`` records its arguments and answers ``show`` with a plan holding a secret."""

    checkout: Path
    plan_dir: Path
    log: Path
    env: dict[str, str]

    def tf(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``scripts/tf args...`` against the stub."""
        return subprocess.run([str(SCRIPTS / "tf"), *args], env=self.env, capture_output=True, text=True, check=True)

    def calls(self, subcommand: str) -> list[list[str]]:
        """The arguments of each call of ``terraform <subcommand>``."""
        calls = [line.split() for line in self.log.read_text().splitlines()]
        return [call for call in calls if subcommand in call]


@pytest.fixture
def recording_terraform(tmp_path: Path) -> RecordingTerraform:
    """scripts/tf in a checkout of its own, with a stub for terraform: these tests are about what scripts/tf does."""
    checkout = tmp_path / "checkout"
    shutil.copytree(TERRAFORM_DIR / "environments", checkout / "terraform" / "environments")
    (checkout / "dist").mkdir()
    (checkout / "dist" / "lambda.zip").write_bytes(b"PK")
    plan_dir = checkout / "plans"
    (plan_dir / ".terraform").mkdir(parents=True)
    (plan_dir / ".terraform" / "terraform.tfstate").write_text("{}")
    # A plan as `terraform show -json` gives it: the API key marked sensitive on its own resource only.
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(
        json.dumps(
            {
                "resource_changes": [
                    {"change": {"before": {"value": STUB_SECRET}, "before_sensitive": {"value": True}}},
                    {"change": {"before": {"value": STUB_SECRET}, "before_sensitive": {}}},
                ]
            }
        )
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text(
        "#!/usr/bin/env bash\n"
        'echo "$*" >>"$ARGUMENTS_LOG"\n'
        'case " $* " in\n'
        '  *" show "*" -json "*tfplan*) cat "$PLAN_JSON" ;;\n'
        '  *" show "*" -json "*) echo "{}" ;;\n'
        '  *" show "*) printf \'      - value = "%s" -> null\\n%s\\n\' "$SECRET" "$SUMMARY" ;;\n'
        "esac\n"
    )
    (bin_dir / "terraform").chmod(0o755)
    log = tmp_path / "arguments.log"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "ARGUMENTS_LOG": str(log),
        "PLAN_JSON": str(plan_json),
        "SECRET": STUB_SECRET,
        "SUMMARY": STUB_SUMMARY,
        "TF_DIR": str(checkout / "terraform"),
        "TF_PLAN_DIR": str(plan_dir),
        "LAMBDA_ZIP": str(checkout / "dist" / "lambda.zip"),
    }
    return RecordingTerraform(checkout, plan_dir, log, env)


def test_scripts_tf_hands_terraform_the_zip_path_relative_to_the_configuration(
    recording_terraform: RecordingTerraform,
) -> None:
    """The path is kept in the state: absolute, it would differ between checkouts and show a change for one zip."""
    stub = recording_terraform
    stub.tf("plan", "dev")
    stub.tf("plan-destroy", "dev")
    stub.tf("import", "dev", "aws_dynamodb_table.items", "x")
    calls = stub.calls("plan") + stub.calls("import")
    assert len(calls) == 3
    for call in calls:
        assert "-var=lambda_zip_path=../dist/lambda.zip" in call, call
        assert not [argument for argument in call if str(stub.checkout / "dist") in argument], call
    # Terraform's own default, without scripts/tf, is relative too.
    assert '"${path.module}/../dist/lambda.zip"' in (TERRAFORM_DIR / "main.tf").read_text()


def test_scripts_tf_redacts_a_sensitive_value_wherever_the_readable_plan_repeats_it(
    recording_terraform: RecordingTerraform,
) -> None:
    """The usage plan key repeats the API key's value unmarked: plan.txt, destroy-plan.txt and the output hide it."""
    stub = recording_terraform
    printed = stub.tf("plan", "dev").stdout + stub.tf("plan-destroy", "dev").stdout
    for readable in ("plan.txt", "destroy-plan.txt"):
        text = (stub.plan_dir / readable).read_text()
        assert STUB_SECRET not in text, readable
        assert "- value = (sensitive value) -> null" in text, readable
    assert STUB_SECRET not in printed
    assert (stub.plan_dir / "destroy-plan-summary.txt").read_text().strip() == STUB_SUMMARY


def test_every_value_a_plan_marks_sensitive_is_found_in_resources_and_outputs() -> None:
    """Before and after values, prior state and planned values, nested marks and outputs; short values are left."""
    tfjson = load_tfjson()
    plan = {
        "prior_state": {
            "values": {
                "outputs": {"api_key_value": {"sensitive": True, "value": "from-an-output-0001"}},
                "root_module": {
                    "resources": [{"values": {"value": "in-the-prior-state-02"}, "sensitive_values": {"value": True}}],
                    "child_modules": [
                        {
                            "resources": [
                                {
                                    "values": {"settings": [{"password": "nested-in-a-module-3"}], "flag": "on"},
                                    "sensitive_values": {"settings": [{"password": True}], "flag": True},
                                }
                            ]
                        }
                    ],
                },
            }
        },
        "resource_changes": [
            {"change": {"before": None, "after": {"value": "planned-after-004"}, "after_sensitive": {"value": True}}}
        ],
        "output_changes": {"x": {"before": "an-output-before-5", "before_sensitive": True}},
    }
    assert tfjson.sensitive_values(plan) == {
        "from-an-output-0001",
        "in-the-prior-state-02",
        "nested-in-a-module-3",
        "planned-after-004",
        "an-output-before-5",
    }
    assert tfjson.redact('a = "planned-after-004"\nb = planned-after-004x', {"planned-after-004"}) == (
        "a = (sensitive value)\nb = (sensitive value)x"
    )


def test_the_protected_table_is_read_from_a_state_or_a_plans_prior_state() -> None:
    """scripts/tf's refusal reads deletion protection from ``terraform show -json`` of the state or a plan."""
    tfjson = load_tfjson()

    def state(protected: bool) -> dict[str, Any]:
        values = {"name": "anything", "deletion_protection_enabled": protected}
        return {"values": {"root_module": {"resources": [{"address": "aws_dynamodb_table.items", "values": values}]}}}

    assert tfjson.protected_table(state(True)) == "anything"
    assert tfjson.protected_table({"prior_state": state(True)}) == "anything"
    assert tfjson.protected_table(state(False)) is None
    assert tfjson.protected_table({"format_version": "1.0"}) is None  # nothing applied yet


def test_costly_telemetry_is_opt_in() -> None:
    """Per-method metrics and WAF full logging are variables that default to off; the README prices them."""
    variables = dict(VARIABLE.findall((TERRAFORM_DIR / "variables.tf").read_text()))
    for name in ("detailed_metrics_enabled", "waf_full_logging_enabled"):
        assert re.search(r"^  type\s+= bool$", variables[name], re.MULTILINE), name
        assert re.search(r"^  default\s+= false$", variables[name], re.MULTILINE), name
    method_settings = resource_block(
        (TERRAFORM_DIR / "apigateway.tf").read_text(), "aws_api_gateway_method_settings", "all"
    )
    assert "metrics_enabled = var.detailed_metrics_enabled" in method_settings
    logging = resource_block((TERRAFORM_DIR / "waf.tf").read_text(), "aws_wafv2_web_acl_logging_configuration", "api")
    assert 'dynamic "logging_filter"' in logging
    assert "var.waf_full_logging_enabled ? [] : [1]" in logging
    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("## Deploy to AWS") : readme.index("## Pipeline")]
    for name in ("detailed_metrics_enabled", "waf_full_logging_enabled"):
        assert re.search(rf"`{name}[^\n]*USD", deploy), f"the README's cost estimate does not price {name}"


def test_the_state_bucket_expires_old_versions_and_aborts_incomplete_uploads() -> None:
    """Lifecycle rules on the state bucket: noncurrent versions and delete markers expire, uploads are aborted."""
    lifecycle = resource_block(
        (TERRAFORM_DIR / "bootstrap" / "main.tf").read_text(), "aws_s3_bucket_lifecycle_configuration", "state"
    )
    assert "noncurrent_days = var.noncurrent_version_days" in lifecycle
    assert "expired_object_delete_marker = true" in lifecycle
    assert "days_after_initiation = 7" in lifecycle


def test_the_table_is_destroyed_before_the_key_that_encrypts_the_logs() -> None:
    """When the table refuses to go, a destroy stops before the KMS key: the logs' key outlives it."""
    table = resource_block((TERRAFORM_DIR / "dynamodb.tf").read_text(), "aws_dynamodb_table", "items")
    assert "depends_on = [aws_kms_key.service]" in table


@pytest.mark.parametrize(
    "definition",
    [
        TERRAFORM_DIR.parent / "src" / "dynamodbmanager" / "tables" / "anything.json",
        TERRAFORM_DIR.parent / "examples" / "single-table.json",
        TERRAFORM_DIR.parent / "examples" / "number-and-binary-keys.json",
    ],
    ids=lambda path: path.name,
)
def test_the_terraform_reads_the_table_design_the_function_and_the_local_stack_read(
    console: Callable[..., tuple[Any, str]], definition: Path
) -> None:
    """The key, sort key and indexes Terraform builds and hands the function are those the definition file holds."""
    value, errors = console(
        "[local.table_shape, local.hash_key, local.range_key, local.index_names]",
        f"-var=table_definition_file={definition}",
        "-var=environment=dev",
    )
    assert errors == ""
    shape_text, hash_key, range_key, index_names = value
    expected = TableShape.load(definition)
    assert TableShape.from_env(shape_text, expected.table_name) == expected
    assert (hash_key, range_key) == (expected.partition.name, expected.sort.name if expected.sort else None)
    assert sorted(index_names) == sorted(expected.indexes)


def test_the_function_may_read_each_index_by_name_and_nothing_wider() -> None:
    """Query and Scan on each index ARN by name: the policy has no wildcard."""
    iam = (TERRAFORM_DIR / "iam.tf").read_text()
    assert '"${aws_dynamodb_table.items.arn}/index/${name}"' in iam
    assert "/index/*" not in iam
    for action in ("Query", "BatchGetItem", "ConditionCheckItem"):
        assert f'"dynamodb:{action}"' in iam


def test_the_cursor_secret_is_made_once_and_handed_to_the_function() -> None:
    """A secret no client can learn signs the cursors, the same for every instance (it lives in the state)."""
    lambda_tf = (TERRAFORM_DIR / "lambda.tf").read_text()
    assert 'resource "terraform_data" "cursor_signing_key"' in lambda_tf
    assert "ignore_changes = [input]" in lambda_tf
    assert "CURSOR_SIGNING_KEY           = terraform_data.cursor_signing_key.output" in lambda_tf
