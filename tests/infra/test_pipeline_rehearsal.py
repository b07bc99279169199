"""``make pipeline-local``: the Jenkinsfile's stages, in its order, against the emulator, from test to destroy.

The rehearsal runs in the background from the first infrastructure test on (conftest), so its apply overlaps
the other tests' work; this test waits for it and reads what it did.
"""

from __future__ import annotations

import re

from .conftest import Rehearsal
from .pipeline import jenkins_stages


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

    emulator = pipeline_rehearsal.emulator
    assert emulator.client("lambda").list_functions()["Functions"] == []
    assert emulator.client("dynamodb").list_tables()["TableNames"] == []
    assert emulator.client("apigateway").get_rest_apis()["items"] == []
    assert emulator.client("iam").list_roles()["Roles"] == []
