"""Rehearse the Jenkins pipeline's stages, in order, against a local AWS emulator (``make pipeline-local``).

Each stage runs the very command the Jenkinsfile's stage runs (tests/infra checks that the two lists
agree), with the approvals answered automatically. The emulator stands in for the AWS account: the state
bucket is created in it first, as terraform/bootstrap does once per account. It stores the function but
cannot run it, so the smoke stage calls the local API Gateway serving the zip that was deployed, after
checking that its SHA-256 is the deployed function's.

What Jenkins would keep is kept here too: each stage's archived files (and test report) are copied to
the artifacts directory, and every line the rehearsal prints is its console log. At the end both are
searched for the value of the API key Terraform created: nothing the pipeline keeps or prints may hold
it. Exit status 0 when every stage passed and the key was found nowhere, 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator, start_emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
#: The stage prefix the local gateway serves besides the bare routes.
LOCAL_GATEWAY_STAGE = "dev"
#: Where the Jenkinsfile's plan files live, relative to the workspace; here they are in TF_PLAN_DIR.
JENKINS_PLAN_DIR = "build/terraform/$TARGET_ENV/"


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its name in the Jenkinsfile, its ``sh`` commands, and what else it does here."""

    name: str
    commands: tuple[str, ...] = ()
    #: Plan summary file (in the plan directory) an approval gate shows before answering yes.
    gate: str | None = None
    #: Whether the stage calls the API, which here means the local gateway must be serving.
    needs_api: bool = False
    #: What Jenkins keeps after the build (archiveArtifacts, junit), as paths from the workspace root.
    keeps: tuple[str, ...] = ()


#: The Jenkinsfile's stages, ``sh`` commands and kept files, in its order.
STAGES: tuple[Stage, ...] = (
    Stage("Checkout"),
    Stage("Lint and unit tests", ("make unit",), keeps=("test-results/unit.xml",)),
    Stage("Package", ("make build",), keeps=("dist/lambda.zip", "dist/lambda.zip.sha256")),
    Stage("Terraform init", ('scripts/tf init "$TARGET_ENV"',)),
    Stage(
        "Terraform plan",
        ('scripts/tf plan "$TARGET_ENV"', 'scripts/tf check-plan "$TARGET_ENV"'),
        keeps=(JENKINS_PLAN_DIR + "plan.txt",),
    ),
    Stage("Approval", gate="plan-summary.txt"),
    Stage("Terraform apply", ('scripts/tf apply "$TARGET_ENV"',)),
    Stage("Smoke test", ('scripts/smoke-deployed "$TARGET_ENV"',), needs_api=True),
    Stage(
        "Destroy gate",
        ('scripts/tf plan-destroy "$TARGET_ENV"',),
        gate="destroy-plan-summary.txt",
        keeps=(JENKINS_PLAN_DIR + "destroy-plan.txt",),
    ),
    Stage("Terraform destroy", ('scripts/tf destroy "$TARGET_ENV"',)),
)


class StageFailed(Exception):
    """A stage's command exited non-zero, or a check around it did not hold."""


def say(message: str) -> None:
    """Print a progress line at once, so it interleaves with the commands' own output."""
    print(f"pipeline-local: {message}", flush=True)


@dataclass
class Console:
    """The build's console log: every line the rehearsal and its stage commands print, kept to be searched."""

    lines: list[str] = field(default_factory=list)

    def say(self, message: str) -> None:
        """Print a progress line and keep it."""
        say(message)
        self.lines.append(f"pipeline-local: {message}")

    def run(self, command: str, env: dict[str, str]) -> None:
        """Run one stage command with bash from the repository root, as Jenkins' ``sh`` would, keeping its output."""
        self.say(f"$ {command}")
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for raw in process.stdout or ():
            line = raw.decode(errors="replace")
            sys.stdout.write(line)
            sys.stdout.flush()
            self.lines.append(line.rstrip("\n"))
        status = process.wait()
        if status != 0:
            raise StageFailed(f"'{command}' exited with status {status}")


def stage_environment(target_env: str, workspace: Path, mirror: str | None) -> dict[str, str]:
    """The environment the stage commands see: the emulator's copy of terraform/ and dummy credentials."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(DUMMY_CREDENTIALS)
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "TARGET_ENV": target_env,
            "TF_DIR": str(workspace),
            "TF_PLAN_DIR": str(workspace / "plans" / target_env),
            "PYTHONUNBUFFERED": "1",
            # The Jenkinsfile's ALLOW_TABLE_REPLACEMENT parameter, at its default: the table guard refuses.
            "ALLOW_TABLE_REPLACEMENT": "0",
        }
    )
    if mirror:
        env["TF_PLUGIN_MIRROR_DIR"] = mirror
    return env


def provider_mirror() -> str | None:
    """TF_PLUGIN_MIRROR_DIR, or what scripts/find-provider-mirror finds; None leaves Terraform to its registry."""
    if os.environ.get("TF_PLUGIN_MIRROR_DIR"):
        return os.environ["TF_PLUGIN_MIRROR_DIR"]
    found = subprocess.run(
        [str(ROOT / "scripts" / "find-provider-mirror")], capture_output=True, text=True, check=False
    ).stdout.strip()
    return found or None


def output(name: str, env: dict[str, str]) -> str:
    """A Terraform output of the deployed stack, read the way the pipeline's scripts read it, never printed."""
    completed = subprocess.run(
        [str(ROOT / "scripts" / "tf"), "output", env["TARGET_ENV"], name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise StageFailed(f"terraform output {name} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def deployed_function(emulator: Emulator, function_name: str) -> dict[str, Any]:
    """The function's configuration as the emulator holds it (code hash, environment)."""
    configuration: dict[str, Any] = emulator.client("lambda").get_function_configuration(FunctionName=function_name)
    return configuration


@contextmanager
def local_api(emulator: Emulator, env: dict[str, str], api_key: str | None, log_path: Path) -> Iterator[str]:
    """Serve the deployed zip on the local API Gateway, configured as the deployed function; yield the stage URL."""
    zip_path = Path(env.get("LAMBDA_ZIP", ROOT / "dist" / "lambda.zip"))
    function = deployed_function(emulator, output("function_name", env))
    local_sha = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
    if function["CodeSha256"] != local_sha:
        raise StageFailed(f"the deployed function's code is not {zip_path} (SHA-256 differs)")
    variables: dict[str, str] = function.get("Environment", {}).get("Variables", {})
    port = free_port()
    argv = [str(ROOT / ".venv" / "bin" / "dynamodbmanager"), "local", "--port", str(port), "--zip", str(zip_path)]
    argv += ["--emulator-url", emulator.url, "--table", variables["TABLE_NAME"]]
    argv += ["--cors-origins", variables.get("CORS_ALLOWED_ORIGINS", ""), "--log-level", variables["LOG_LEVEL"]]
    gateway_env = dict(env)
    if api_key is not None:
        # The key Terraform created, so the local gateway refuses what API Gateway would refuse.
        gateway_env["DYNAMODBMANAGER_API_KEY"] = api_key
    dynamodb = emulator.client("dynamodb")
    tables_before = set(dynamodb.list_tables()["TableNames"])
    with log_path.open("wb") as log:
        gateway = ManagedProcess(argv, env=gateway_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}/health", gateway, timeout=60)
            say(f"local API Gateway on {url}, serving {zip_path.name}, the code deployed (CodeSha256 {local_sha})")
            stage_name = output("api_url", env).rstrip("/").rsplit("/", 1)[-1]
            yield f"{url}/{stage_name}" if stage_name == LOCAL_GATEWAY_STAGE else url
        finally:
            gateway.stop()
            # The local stack makes its own idempotency table: it is no part of the rehearsed deployment.
            for table in set(dynamodb.list_tables()["TableNames"]) - tables_before:
                dynamodb.delete_table(TableName=table)


def keep(stage: Stage, env: dict[str, str], artifacts: Path) -> None:
    """Copy what the stage archives to ``artifacts``, under the path Jenkins would give it."""
    for pattern in stage.keeps:
        archived = pattern.replace("$TARGET_ENV", env["TARGET_ENV"])
        if pattern.startswith(JENKINS_PLAN_DIR):
            source = Path(env["TF_PLAN_DIR"]) / pattern.removeprefix(JENKINS_PLAN_DIR)
        else:
            source = ROOT / archived
        if not source.is_file():
            raise StageFailed(f"stage {stage.name} archives {archived}, which is missing ({source})")
        target = artifacts / archived
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def places_holding(secret: str, console: Console, artifacts: Path) -> list[str]:
    """Each kept file and console line that contains ``secret``."""
    found = [str(path.relative_to(artifacts)) for path in sorted(artifacts.rglob("*")) if path.is_file()]
    found = [name for name in found if secret.encode() in (artifacts / name).read_bytes()]
    found += [f"console line {number}" for number, line in enumerate(console.lines, start=1) if secret in line]
    return found


def rehearse(target_env: str, emulator: Emulator, workspace: Path, artifacts: Path) -> None:
    """Prepare the emulator's copy of terraform/, run every stage in order, then search what was kept for the key."""
    console = Console()
    mirror = provider_mirror()
    env = stage_environment(target_env, workspace, mirror)
    console.say(f"state bucket and Terraform workspace in {workspace}, against {emulator.url}")
    console.run(f'scripts/emulator-workspace "{workspace}" "{emulator.url}"', env)
    api_key: str | None = None
    for number, stage in enumerate(STAGES, start=1):
        console.say(f"==> stage {number}/{len(STAGES)}: {stage.name}")
        if not stage.commands and stage.gate is None:
            console.say("the working tree is the checkout")
        if stage.needs_api:
            api_key = output("api_key_value", env) if output("api_auth", env) == "API_KEY" else None
            with local_api(emulator, env, api_key, workspace / "gateway.log") as url:
                for command in stage.commands:
                    console.run(command, {**env, "SMOKE_URL": url})
        else:
            for command in stage.commands:
                console.run(command, env)
        keep(stage, env, artifacts)
        if stage.gate is not None:
            summary = (Path(env["TF_PLAN_DIR"]) / stage.gate).read_text().strip()
            console.say(f"approval asked: {summary!r} -> approved automatically (rehearsal)")
        console.say(f"<== stage {stage.name}: passed")

    kept = sum(1 for path in artifacts.rglob("*") if path.is_file())
    if api_key is None:
        console.say("no API key to look for (api_auth is not API_KEY)")
        return
    leaks = places_holding(api_key, console, artifacts)
    if leaks:
        raise StageFailed(f"the API key's value is in what the pipeline keeps or prints: {', '.join(leaks)}")
    console.say(
        f"the API key's value is in none of the {kept} archived files ({artifacts}) "
        f"and none of the {len(console.lines)} lines of output"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/pipeline-local",
        description="Run the Jenkinsfile's stage commands, in order, against a local AWS emulator, "
        "approving the gates automatically; stop at the first failing stage. Then check that the API key "
        "is in nothing the pipeline archived or printed.",
    )
    parser.add_argument("--env", default="dev", help="environment whose tfvars to use (default: dev)")
    parser.add_argument(
        "--emulator-url",
        default=os.environ.get("EMULATOR_URL") or None,
        help="use this running moto_server (default: $EMULATOR_URL, else start one for the run)",
    )
    parser.add_argument("--workspace", type=Path, help="keep the Terraform workspace here (default: a temp dir)")
    parser.add_argument(
        "--artifacts", type=Path, help="keep the files the stages archive here (default: in the workspace)"
    )
    parser.add_argument("--list", action="store_true", help="print each stage and its commands, run nothing")
    parser.add_argument("--list-kept", action="store_true", help="print each stage and the files it archives")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Rehearse the pipeline; 0 when every stage passed and the API key leaked nowhere."""
    args = parse_args(argv)
    if args.list or args.list_kept:
        for stage in STAGES:
            print("\t".join((stage.name, *(stage.keeps if args.list_kept else stage.commands))))
        return 0
    started = time.monotonic()
    given_port = urlsplit(args.emulator_url).port if args.emulator_url else None
    if args.emulator_url and given_port is None:
        say(f"--emulator-url must name a port, like http://127.0.0.1:5000, not {args.emulator_url!r}")
        return 2
    emulator = Emulator(port=given_port) if given_port else start_emulator()
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="pipeline-local-"))
    artifacts = (args.artifacts or workspace / "artifacts").resolve()
    try:
        rehearse(args.env, emulator, workspace.resolve(), artifacts)
    except StageFailed as failure:
        say(f"FAILED: {failure}")
        return 1
    finally:
        if given_port is None:
            emulator.stop()
        if args.workspace is None:
            with suppress(OSError):
                shutil.rmtree(workspace)
    say(f"every stage passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
