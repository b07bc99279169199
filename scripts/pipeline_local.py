"""Rehearse the Jenkins pipeline's stages, in order, against a local AWS emulator (``make pipeline-local``).

Each stage runs the very command the Jenkinsfile's stage runs (tests/infra checks that the two lists
agree), with the approvals answered automatically. The emulator stands in for the AWS account: the state
bucket is created in it first, as terraform/bootstrap does once per account. It stores the function but
cannot run it, so the smoke stage calls the local API Gateway serving the zip that was deployed, after
checking that its SHA-256 is the deployed function's. Exit status 0 when every stage passed, 1 otherwise.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator, start_emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
#: The stage prefix the local gateway serves besides the bare routes.
LOCAL_GATEWAY_STAGE = "dev"


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its name in the Jenkinsfile, its ``sh`` commands, and what else it does here."""

    name: str
    commands: tuple[str, ...] = ()
    #: Plan summary file (in the plan directory) an approval gate shows before answering yes.
    gate: str | None = None
    #: Whether the stage calls the API, which here means the local gateway must be serving.
    needs_api: bool = False


#: The Jenkinsfile's stages and ``sh`` commands, in its order.
STAGES: tuple[Stage, ...] = (
    Stage("Checkout"),
    Stage("Lint and unit tests", ("make unit",)),
    Stage("Package", ("make build",)),
    Stage("Terraform init", ('scripts/tf init "$TARGET_ENV"',)),
    Stage("Terraform plan", ('scripts/tf plan "$TARGET_ENV"',)),
    Stage("Approval", gate="plan-summary.txt"),
    Stage("Terraform apply", ('scripts/tf apply "$TARGET_ENV"',)),
    Stage("Smoke test", ('scripts/smoke-deployed "$TARGET_ENV"',), needs_api=True),
    Stage("Destroy gate", ('scripts/tf plan-destroy "$TARGET_ENV"',), gate="destroy-plan-summary.txt"),
    Stage("Terraform destroy", ('scripts/tf destroy "$TARGET_ENV"',)),
)


class StageFailed(Exception):
    """A stage's command exited non-zero, or a check around it did not hold."""


def say(message: str) -> None:
    """Print a progress line at once, so it interleaves with the commands' own output."""
    print(f"pipeline-local: {message}", flush=True)


def stage_environment(target_env: str, workspace: Path, mirror: str | None) -> dict[str, str]:
    """The environment the stage commands see: the emulator's copy of terraform/ and dummy credentials."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(DUMMY_CREDENTIALS)
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "TARGET_ENV": target_env,
            "TF_DIR": str(workspace),
            "TF_BACKEND_CONFIG": str(workspace / "emulator.backend.hcl"),
            "TF_PLAN_DIR": str(workspace / "plans" / target_env),
            "PYTHONUNBUFFERED": "1",
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


def run(command: str, env: dict[str, str]) -> None:
    """Run one stage command with bash from the repository root, as Jenkins' ``sh`` would."""
    say(f"$ {command}")
    completed = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise StageFailed(f"'{command}' exited with status {completed.returncode}")


def output(name: str, env: dict[str, str]) -> str:
    """A Terraform output of the deployed stack, read the way the pipeline's scripts read it."""
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
def local_api(emulator: Emulator, env: dict[str, str], log_path: Path) -> Iterator[str]:
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
    if output("api_auth", env) == "API_KEY":
        # The key Terraform created, so the local gateway refuses what API Gateway would refuse.
        gateway_env["DYNAMODBMANAGER_API_KEY"] = output("api_key_value", env)
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


def rehearse(target_env: str, emulator: Emulator, workspace: Path) -> None:
    """Prepare the emulator's copy of terraform/ and run every stage in order; raise at the first failure."""
    mirror = provider_mirror()
    env = stage_environment(target_env, workspace, mirror)
    say(f"state bucket and Terraform workspace in {workspace}, against {emulator.url}")
    run(f'scripts/emulator-workspace "{workspace}" "{emulator.url}"', env)
    for number, stage in enumerate(STAGES, start=1):
        say(f"==> stage {number}/{len(STAGES)}: {stage.name}")
        if not stage.commands and stage.gate is None:
            say("the working tree is the checkout")
        if stage.needs_api:
            with local_api(emulator, env, workspace / "gateway.log") as url:
                for command in stage.commands:
                    run(command, {**env, "SMOKE_URL": url})
        else:
            for command in stage.commands:
                run(command, env)
        if stage.gate is not None:
            summary = (Path(env["TF_PLAN_DIR"]) / stage.gate).read_text().strip()
            say(f"approval asked: {summary!r} -> approved automatically (rehearsal)")
        say(f"<== stage {stage.name}: passed")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/pipeline-local",
        description="Run the Jenkinsfile's stage commands, in order, against a local AWS emulator, "
        "approving the gates automatically; stop at the first failing stage.",
    )
    parser.add_argument("--env", default="dev", help="environment whose tfvars to use (default: dev)")
    parser.add_argument(
        "--emulator-url",
        default=os.environ.get("EMULATOR_URL") or None,
        help="use this running moto_server (default: $EMULATOR_URL, else start one for the run)",
    )
    parser.add_argument("--workspace", type=Path, help="keep the Terraform workspace here (default: a temp dir)")
    parser.add_argument("--list", action="store_true", help="print each stage and its commands, run nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Rehearse the pipeline; 0 when every stage passed."""
    args = parse_args(argv)
    if args.list:
        for stage in STAGES:
            print("\t".join((stage.name, *stage.commands)))
        return 0
    started = time.monotonic()
    given_port = urlsplit(args.emulator_url).port if args.emulator_url else None
    if args.emulator_url and given_port is None:
        say(f"--emulator-url must name a port, like http://127.0.0.1:5000, not {args.emulator_url!r}")
        return 2
    emulator = Emulator(port=given_port) if given_port else start_emulator()
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="pipeline-local-"))
    try:
        rehearse(args.env, emulator, workspace.resolve())
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
