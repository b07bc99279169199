"""``make pipeline-local``: the Jenkinsfile's stages, in its order, against the emulator, from test to destroy.

The rehearsal runs in the background from the first infrastructure test on (conftest), so its apply overlaps
the other tests' work; this test waits for it and reads what it did, what it archived and what it printed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.emulator import Emulator

from .conftest import SCRIPTS, Rehearsal
from .pipeline import jenkins_stages

STATE_BUCKET = "dynamodbmanager-tfstate-123456789012-us-east-1"


def api_key_from_the_state_history(emulator: Emulator, env: str) -> str:
    """The API key the rehearsal's apply created, read from the state's old versions: the stack is gone now."""
    s3 = emulator.client("s3")
    key = f"dynamodbmanager/{env}/terraform.tfstate"
    values: set[str] = set()
    versions = s3.list_object_versions(Bucket=STATE_BUCKET, Prefix=key).get("Versions", [])
    for version in [v for v in versions if v["Key"] == key]:  # the prefix matches the lock file too
        body = s3.get_object(Bucket=STATE_BUCKET, Key=key, VersionId=version["VersionId"])["Body"].read()
        for resource in json.loads(body).get("resources", []):
            if resource["type"] == "aws_api_gateway_api_key":
                values |= {instance["attributes"]["value"] for instance in resource["instances"]}
    [value] = values
    return value


def test_make_pipeline_local_runs_every_stage_against_the_emulator(pipeline_rehearsal: Rehearsal) -> None:
    """Every stage passes in order with the Jenkinsfile's commands; the gates show plans; nothing is left."""
    status, log, seconds = pipeline_rehearsal.wait(timeout=1200)
    assert status == 0, f"make pipeline-local failed after {seconds:.0f} s:\n{log[-6000:]}"

    stages = jenkins_stages()
    assert re.findall(r"^pipeline-local: ==> stage \d+/\d+: (.+)$", log, re.MULTILINE) == [s.name for s in stages]
    assert re.findall(r"^pipeline-local: <== stage (.+): passed$", log, re.MULTILINE) == [s.name for s in stages]
    commands = re.findall(r"^pipeline-local: \$ (.+)$", log, re.MULTILINE)
    assert commands[0].startswith("scripts/emulator-workspace ")
    assert commands[1:] == [command for s in stages for command in s.commands]

    # The table guard checked the saved plan, which creates the table, before the approval was asked.
    checked = log.index('pipeline-local: $ scripts/tf check-plan "$TARGET_ENV"')
    passed = log.index("scripts/tf: the plan creates the items table dynamodbmanager-dev-items, whose items it keeps")
    assert checked < passed < log.index("pipeline-local: approval asked:")

    gates = re.findall(r"^pipeline-local: approval asked: '(.+)' -> approved", log, re.MULTILINE)
    assert len(gates) == 2
    assert re.fullmatch(r"Plan: [1-9]\d* to add, 0 to change, 0 to destroy\.", gates[0])
    assert re.fullmatch(r"Plan: 0 to add, 0 to change, [1-9]\d* to destroy\.", gates[1])
    assert gates[0].split()[1] == gates[1].split()[7], "the destroy removes what the apply added"

    # The smoke stage ran against the deployed zip, through the key Terraform created.
    assert "the code deployed (CodeSha256 " in log
    assert re.search(r"^ok    201 POST /items", log, re.MULTILINE)
    assert re.search(r"^ok    404 GET /items/smoke-", log, re.MULTILINE)
    assert "smoke test passed" in log
    assert "every stage passed" in log

    # It kept what the Jenkinsfile archives, and no plan file.
    artifacts = pipeline_rehearsal.artifacts
    kept = sorted(str(path.relative_to(artifacts)) for path in artifacts.rglob("*") if path.is_file())
    assert kept == sorted(path.replace("$TARGET_ENV", "dev") for s in stages for path in s.kept)

    # The API key's value is in no archived file and no line of the output; the rehearsal checked it too.
    emulator = pipeline_rehearsal.emulator
    secret = api_key_from_the_state_history(emulator, "dev")
    assert len(secret) >= 20
    for name in kept:
        assert secret.encode() not in (artifacts / name).read_bytes(), name
    assert secret not in log
    assert re.search(
        rf"^pipeline-local: the API key's value is in none of the {len(kept)} archived files \(.+\) "
        r"and none of the \d+ lines of output$",
        log,
        re.MULTILINE,
    )

    assert emulator.client("lambda").list_functions()["Functions"] == []
    assert emulator.client("dynamodb").list_tables()["TableNames"] == []
    assert emulator.client("apigateway").get_rest_apis()["items"] == []
    # What the bootstrap made once for the account stays: the state bucket and the API Gateway logging role.
    roles = [role["RoleName"] for role in emulator.client("iam").list_roles()["Roles"]]
    assert roles == ["dynamodbmanager-apigateway-cloudwatch-us-east-1"]


def test_the_rehearsals_search_finds_a_key_in_a_kept_file_or_a_line_of_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check the rehearsal ends with would catch a leak, in an archived file or in the console log."""
    spec = importlib.util.spec_from_file_location("pipeline_local", SCRIPTS / "pipeline_local.py")
    assert spec is not None
    assert spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "pipeline_local", module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    (tmp_path / "build" / "terraform" / "dev").mkdir(parents=True)
    (tmp_path / "build" / "terraform" / "dev" / "plan.txt").write_text('value = "k3y-0123456789abcdef"\n')
    (tmp_path / "dist.zip").write_bytes(b"nothing here")
    console = module.Console(lines=["ok", "curl -H 'x-api-key: k3y-0123456789abcdef'"])
    found = module.places_holding("k3y-0123456789abcdef", console, tmp_path)
    assert found == ["build/terraform/dev/plan.txt", "console line 2"]
    assert module.places_holding("not-there", console, tmp_path) == []
