"""Checks of terraform/ that need no emulator: format, validity, variables, environment files, checkov."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.events import STAGE_NAME_PATTERN

from .conftest import SCRIPTS, TERRAFORM_DIR, Terraform

CONFIGURATIONS = {"main": TERRAFORM_DIR, "bootstrap": TERRAFORM_DIR / "bootstrap"}
VARIABLE = re.compile(r'^variable "(?P<name>\w+)" \{\n(?P<body>.*?)^\}', re.MULTILINE | re.DOTALL)
ARGUMENT = re.compile(r"^  (\w+)\s*=", re.MULTILINE)


def test_configuration_is_formatted(terraform: Terraform) -> None:
    """``terraform fmt -check`` finds nothing to rewrite anywhere under terraform/."""
    result = terraform.run(TERRAFORM_DIR, "fmt", "-check", "-recursive", "-diff", check=False)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_configuration_is_valid(terraform: Terraform, tmp_path: Path, name: str) -> None:
    """``terraform validate`` accepts each configuration; its only warning is a known, deliberate one."""
    copy = tmp_path / name
    shutil.copytree(CONFIGURATIONS[name], copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "bootstrap"))
    terraform.run(copy, "init", "-backend=false", "-input=false")
    result = json.loads(terraform.run(copy, "validate", "-json", check=False).stdout)
    assert result["valid"] is True, result["diagnostics"]
    assert result["error_count"] == 0
    # reset_on_delete is deprecated only because provider 6 makes it the default; 5.x needs it to reset.
    for warning in result["diagnostics"]:
        assert "reset_on_delete" in warning["snippet"]["code"], warning


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
    """Terraform >= 1.10 (S3 lock files) and the AWS provider ~> 5.100, in both configurations."""
    for directory in CONFIGURATIONS.values():
        versions = (directory / "versions.tf").read_text()
        assert 'required_version = ">= 1.10.0, < 2.0.0"' in versions
        assert re.search(r'source\s+= "hashicorp/aws"\s+version\s+= "~> 5\.100"', versions)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_environment_has_tfvars_and_a_backend_example_with_a_lock_and_no_bucket_name(env: str) -> None:
    """Each environment: a tfvars file and a backend example that locks, encrypts and names no bucket."""
    environments = TERRAFORM_DIR / "environments"
    assert (environments / f"{env}.tfvars").is_file()
    example = (environments / f"{env}.backend.hcl.example").read_text()
    settings = dict(re.findall(r"^(\w+)\s*=\s*(.+)$", example, re.MULTILINE))
    assert "bucket" not in settings
    assert settings["key"] == f'"dynamodbmanager/{env}/terraform.tfstate"'
    assert settings["use_lockfile"] == "true"
    assert settings["encrypt"] == "true"
    assert 'backend "s3" {}' in (TERRAFORM_DIR / "versions.tf").read_text()


@pytest.fixture(scope="module")
def console(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[Any, str]]:
    """``terraform console`` on a copy of terraform/ with a local backend: evaluates variables, validations included."""
    copy = tmp_path_factory.mktemp("console") / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "bootstrap"))
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
    )
    assert errors == ""
    assert value == [env, env, protected]


def test_unauthenticated_api_needs_explicit_consent(console: Callable[..., tuple[Any, str]]) -> None:
    """api_auth = NONE is refused unless allow_unauthenticated_api is true; other bad values are refused too."""
    _, refused = console("var.api_auth", "-var=api_auth=NONE")
    assert "allow_unauthenticated_api = true to confirm" in refused
    _, consented = console("var.api_auth", "-var=api_auth=NONE", "-var=allow_unauthenticated_api=true")
    assert consented == ""
    bad = ("-var=api_auth=COGNITO", "-var=lambda_timeout_seconds=60", '-var=cors_allowed_origins=["x.com/"]')
    _, errors = console("var.api_auth", *bad)
    assert errors.count("Invalid value for variable") == len(bad), errors


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
