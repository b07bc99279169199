"""The Jenkinsfile and the GitHub workflow, read as text and YAML: stage order, gates, saved plan, real commands."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
from typing import Any

import pytest

from .conftest import ROOT, SCRIPTS, TERRAFORM_DIR
from .pipeline import JENKINSFILE, jenkins_stages

STAGE_ORDER = [
    "Checkout",
    "Lint and unit tests",
    "Package",
    "Terraform init",
    "Terraform plan",
    "Approval",
    "Terraform apply",
    "Smoke test",
    "Destroy gate",
    "Terraform destroy",
]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def stage(name: str) -> Any:
    """The Jenkinsfile stage called ``name``."""
    return next(s for s in jenkins_stages() if s.name == name)


def test_stages_run_in_the_pipeline_order() -> None:
    """Checkout, tests, package, init, plan, approval, apply, smoke, destroy gate, destroy."""
    assert [s.name for s in jenkins_stages()] == STAGE_ORDER


def test_the_rehearsal_runs_the_jenkinsfile_commands_in_the_same_order() -> None:
    """``scripts/pipeline-local`` knows the same stages with the same ``sh`` commands as the Jenkinsfile."""
    listed = subprocess.run(
        [str(SCRIPTS / "pipeline-local"), "--list"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    rehearsal = [tuple(line.split("\t")) for line in listed.splitlines()]
    assert rehearsal == [(s.name, *s.commands) for s in jenkins_stages()]


def test_every_sh_step_runs_a_make_target_or_a_script_of_the_repo() -> None:
    """Pipeline logic lives in versioned code: each ``sh`` is ``make <target>`` or ``scripts/<file>``."""
    makefile = (ROOT / "Makefile").read_text()
    text = JENKINSFILE.read_text()
    commands = [c for s in jenkins_stages() for c in s.commands]
    assert len(commands) == len(re.findall(r"^\s*sh\b", text, re.MULTILINE)), "each sh step is a quoted one-liner"
    assert len(commands) == 9
    for command in commands:
        program, *arguments = command.split()
        if program == "make":
            assert re.search(rf"^{re.escape(arguments[0])}:", makefile, re.MULTILINE), command
        else:
            assert program.startswith("scripts/"), command
            script = ROOT / program
            assert script.is_file(), command
            assert os.access(script, os.X_OK), command


def test_approval_and_destroy_gates_ask_with_a_timeout_and_show_the_plan() -> None:
    """Two ``input`` steps, each under a timeout and quoting its plan's summary; destroy only when asked for."""
    gates = [s.name for s in jenkins_stages() if "input message:" in s.body]
    assert gates == ["Approval", "Destroy gate"]
    for name, summary in (("Approval", "plan-summary.txt"), ("Destroy gate", "destroy-plan-summary.txt")):
        body = stage(name).body
        assert body.index("timeout(time:") < body.index("input message:"), name
        assert summary in body, name
        assert "${summary}" in body, name
    for name in ("Destroy gate", "Terraform destroy"):
        assert "when {" in stage(name).body, name
        assert "expression { params.DESTROY }" in stage(name).body, name
    assert "booleanParam(name: 'DESTROY', defaultValue: false" in JENKINSFILE.read_text()


def test_apply_applies_the_saved_plan_file(tmp_path: Any) -> None:
    """The apply stage runs ``scripts/tf apply``, which applies the plan file ``scripts/tf plan`` wrote, or nothing."""
    assert stage("Terraform plan").commands[0] == 'scripts/tf plan "$TARGET_ENV"'
    assert stage("Terraform apply").commands == ('scripts/tf apply "$TARGET_ENV"',)
    assert stage("Terraform destroy").commands == ('scripts/tf destroy "$TARGET_ENV"',)
    tf = (SCRIPTS / "tf").read_text()
    assert '-out="$plan_dir/tfplan"' in tf
    assert 'tf apply -input=false "$plan_dir/tfplan"' in tf
    assert 'tf apply -input=false "$plan_dir/destroy.tfplan"' in tf
    assert "-auto-approve" not in tf
    # Without a saved plan there is nothing to apply: it refuses instead of planning afresh.
    refused = subprocess.run(
        [str(SCRIPTS / "tf"), "apply", "dev"],
        env={**os.environ, "TF_PLAN_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert "no saved plan" in refused.stderr


def test_checkout_credentials_and_options_come_from_jenkins_not_the_file() -> None:
    """``checkout scm``, credentials bound by id, one build at a time, timestamps, timeout, clean-up, reports."""
    text = JENKINSFILE.read_text()
    assert stage("Checkout").body.strip().startswith("steps {\n                checkout scm")
    assert not re.search(r"git\s+(url|branch)|https?://\S+\.git", text)
    assert not re.search(r"AKIA[0-9A-Z]{16}|aws_secret_access_key\s*=", text, re.IGNORECASE)
    for option in ("disableConcurrentBuilds()", "timestamps()", "timeout(time: 2, unit: 'HOURS')"):
        assert option in text
    post = text[text.index("\n    post {") :]
    for block in ("always {", "success {", "failure {", "cleanup {", "deleteDir()"):
        assert block in post
    assert "choice(name: 'ENVIRONMENT', choices: ['dev', 'prod']" in text
    assert "junit testResults: 'test-results/unit.xml'" in stage("Lint and unit tests").body
    assert "dist/lambda.zip, dist/lambda.zip.sha256" in stage("Package").body


def test_aws_credentials_are_the_jobs_and_bind_the_session_token_too() -> None:
    """The credential id is the job's configuration, not a build's free text; temporary keys work (session token)."""
    text = JENKINSFILE.read_text()
    parameters = text[text.index("parameters {") : text.index("options {")]
    assert "CREDENTIALS" not in parameters.upper(), "no build parameter names a credential"
    assert "params.AWS_CREDENTIALS_ID" not in text
    helper = text[text.index("def withAwsCredentials") :]
    assert 'env.AWS_CREDENTIALS_ID ?: "dynamodbmanager-aws-${env.TARGET_ENV}"' in helper
    assert "usernamePassword" not in text
    binding = re.search(r"withCredentials\(\[aws\((?P<arguments>[^)]*)\)\]\)", helper, re.DOTALL)
    assert binding, helper
    arguments = dict(re.findall(r"(\w+): '?([\w$]+)'?", binding["arguments"]))
    assert arguments == {
        "credentialsId": "credentialsId",
        "accessKeyVariable": "AWS_ACCESS_KEY_ID",
        "secretKeyVariable": "AWS_SECRET_ACCESS_KEY",
        "sessionTokenVariable": "AWS_SESSION_TOKEN",
    }


def test_no_plan_file_is_archived_only_readable_plans() -> None:
    """A plan file holds planned values unredacted (the API key): the pipeline keeps only plan.txt files."""
    kept = {s.name: s.kept for s in jenkins_stages() if s.kept}
    assert kept == {
        "Lint and unit tests": ("test-results/unit.xml",),
        "Package": ("dist/lambda.zip", "dist/lambda.zip.sha256"),
        "Terraform plan": ("build/terraform/$TARGET_ENV/plan.txt",),
        "Destroy gate": ("build/terraform/$TARGET_ENV/destroy-plan.txt",),
    }
    for path in (p for paths in kept.values() for p in paths):
        assert "*" not in path, f"{path}: a pattern could sweep a plan file in"
        assert "tfplan" not in path, path
    # And the plan files are where scripts/tf writes them, beside the readable forms that are archived.
    tf = (SCRIPTS / "tf").read_text()
    assert '-out="$plan_dir/tfplan"' in tf
    assert '"$plan_dir/plan.txt"' in tf


def test_the_rehearsal_keeps_what_the_jenkinsfile_archives() -> None:
    """``scripts/pipeline-local`` copies the very files each Jenkinsfile stage archives, and searches them."""
    listed = subprocess.run(
        [str(SCRIPTS / "pipeline-local"), "--list-kept"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    rehearsal = [tuple(line.split("\t")) for line in listed.splitlines()]
    assert rehearsal == [(s.name, *s.kept) for s in jenkins_stages()]


def test_the_destroy_gate_refuses_a_protected_table_before_planning() -> None:
    """The gate's ``scripts/tf plan-destroy`` checks deletion protection before ``terraform plan -destroy``."""
    assert stage("Destroy gate").commands == ('scripts/tf plan-destroy "$TARGET_ENV"',)
    tf = (SCRIPTS / "tf").read_text()
    branch = tf[tf.index("  plan-destroy)") : tf.index("  destroy)")]
    assert branch.index("refuse_protected") < branch.index("tf plan -destroy"), "refused before planning"


def test_the_table_guard_checks_the_saved_plan_before_approval_and_apply() -> None:
    """``scripts/tf check-plan`` runs right after the plan is saved (and archived), before the approval and the apply.

    The same check stands between plan and apply in ``scripts/deploy``; a plan it refuses is removed, so
    ``scripts/tf apply`` has nothing to apply.
    """
    plan = stage("Terraform plan")
    assert plan.commands == ('scripts/tf plan "$TARGET_ENV"', 'scripts/tf check-plan "$TARGET_ENV"')
    body = plan.body
    assert body.index("sh 'scripts/tf plan") < body.index("archiveArtifacts") < body.index("sh 'scripts/tf check-plan")
    order = [s.name for s in jenkins_stages()]
    assert order.index("Terraform plan") < order.index("Approval") < order.index("Terraform apply")
    assert not any("check-plan" in c for s in jenkins_stages() if s.name != "Terraform plan" for c in s.commands)

    deploy = [line.strip() for line in (SCRIPTS / "deploy").read_text().splitlines()]
    steps = [line for line in deploy if line.startswith('"$root/scripts/tf"')]
    assert steps == [f'"$root/scripts/tf" {step} "$env"' for step in ("init", "plan", "check-plan", "apply")]
    assert deploy.index('"$root/scripts/tf" check-plan "$env"') < deploy.index('if [ "${AUTO_APPROVE:-0}" != 1 ]; then')

    tf = (SCRIPTS / "tf").read_text()
    branch = tf[tf.index("  check-plan)") : tf.index("  apply)")]
    assert 'tf show -json "$plan_dir/tfplan" | python3 "$root/scripts/tfjson.py" table-guard "$env"' in branch
    assert branch.index('"$status" -eq 3') < branch.index('rm -f "$plan_dir/tfplan"')


def test_the_escape_hatch_is_a_parameter_off_by_default() -> None:
    """ALLOW_TABLE_REPLACEMENT is a build's explicit choice, false unless ticked, handed to the guard as 1 or 0."""
    text = JENKINSFILE.read_text()
    parameters = text[text.index("parameters {") : text.index("options {")]
    assert "booleanParam(name: 'ALLOW_TABLE_REPLACEMENT', defaultValue: false" in parameters
    environment = text[text.index("    environment {") : text.index("    stages {")]
    assert "ALLOW_TABLE_REPLACEMENT = \"${params.ALLOW_TABLE_REPLACEMENT ? '1' : '0'}\"" in environment


def test_check_plan_needs_a_saved_plan(tmp_path: Any) -> None:
    """Without a saved plan there is nothing to check: it fails instead of passing silently."""
    refused = subprocess.run(
        [str(SCRIPTS / "tf"), "check-plan", "dev"],
        env={**os.environ, "TF_PLAN_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert "no saved plan" in refused.stderr


def test_package_stage_builds_with_the_lambda_runtime_python() -> None:
    """The agent's Python (PYTHON, which make uses for .venv) is the function's runtime version."""
    runtime = re.search(r'runtime\s+=\s+"python(\d+\.\d+)"', (TERRAFORM_DIR / "lambda.tf").read_text())
    assert runtime is not None
    assert f"PYTHON = 'python{runtime[1]}'" in JENKINSFILE.read_text()


def load_workflow() -> dict[Any, Any]:
    """The GitHub workflow parsed by PyYAML."""
    yaml = importlib.import_module("yaml")
    document: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return document


def test_github_workflow_parses_and_runs_the_test_command_on_push() -> None:
    """ci.yml is valid YAML whose keys make a workflow that runs ``.ci/run`` (``make test``) on every push."""
    workflow = load_workflow()
    assert set(workflow) == {"name", True, "permissions", "concurrency", "jobs"}, "YAML reads `on:` as True"
    assert "push" in workflow[True]
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert {"runs-on", "steps", "timeout-minutes"} <= set(job)
    allowed = {"name", "uses", "with", "run", "env", "if", "id", "shell", "working-directory"}
    for step in job["steps"]:
        assert set(step) <= allowed, step
        assert ("uses" in step) != ("run" in step), step
        assert isinstance(step.get("run", ""), str), step
        assert isinstance(step.get("with", {}), dict), step
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "bash .ci/run" in runs
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "TF_PLUGIN_MIRROR_DIR" in runs
    assert job["container"].startswith("python:3.13")


@pytest.mark.parametrize("bad", ["jobs: [unclosed", "on: push\njobs:\n  test:\n\tsteps: []"])
def test_the_workflow_check_would_catch_broken_yaml(bad: str) -> None:
    """The parser the workflow test relies on rejects malformed YAML (a tab, an unclosed list)."""
    yaml = importlib.import_module("yaml")
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(bad)
