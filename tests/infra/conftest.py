"""Fixtures of the infrastructure tests: the terraform CLI wired to the provider mirror, and an emulator of their own.

The emulator is separate from the one the other test tiers share, so the stack Terraform creates (with its
own table named like the local stack's) never meets their data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator, start_emulator
from dynamodbmanager.local.processes import ManagedProcess

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"
SCRIPTS = ROOT / "scripts"


@dataclass(frozen=True)
class Terraform:
    """The terraform CLI with the provider mirror, dummy credentials and no prompts."""

    env: dict[str, str]

    def run(
        self,
        workdir: Path,
        *args: str,
        check: bool = True,
        timeout: float = 600,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``terraform -chdir=workdir args...``; fails the test with Terraform's own words when ``check``."""
        completed = subprocess.run(
            ["terraform", f"-chdir={workdir}", *args],
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and completed.returncode != 0:
            pytest.fail(
                f"terraform {' '.join(args)} exited {completed.returncode}:\n"
                f"{completed.stderr}\n{completed.stdout[-4000:]}"
            )
        return completed

    def outputs(self, workdir: Path, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
        """Every output of the state in ``workdir``, sensitive ones included, by name."""
        raw = json.loads(self.run(workdir, "output", "-json", extra_env=extra_env).stdout)
        return {name: value["value"] for name, value in raw.items()}

    def script(self, name: str, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run ``scripts/<name>`` with the same environment, failing the test if it fails and ``check``."""
        completed = subprocess.run(
            [str(SCRIPTS / name), *args],
            env={**self.env, **extra_env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and completed.returncode != 0:
            pytest.fail(
                f"scripts/{name} exited {completed.returncode}:\n{completed.stderr}\n{completed.stdout[-4000:]}"
            )
        return completed


@pytest.fixture(scope="session")
def provider_mirror() -> str:
    """The filesystem mirror holding hashicorp/aws: TF_PLUGIN_MIRROR_DIR, or what scripts/find-provider-mirror finds."""
    mirror = (
        os.environ.get("TF_PLUGIN_MIRROR_DIR")
        or subprocess.run(
            [str(SCRIPTS / "find-provider-mirror")], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    if not mirror:
        pytest.fail(
            "No filesystem mirror of the hashicorp/aws provider: set TF_PLUGIN_MIRROR_DIR to a directory holding "
            "registry.terraform.io/hashicorp/aws/... (CI creates one with `terraform providers mirror`)"
        )
    return mirror


@pytest.fixture(scope="session")
def terraform(provider_mirror: str, tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """Terraform that installs the AWS provider from the mirror and can never reach a real AWS account."""
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH: install Terraform >= 1.11")
    cli_config = tmp_path_factory.mktemp("terraform-cli") / "terraformrc"
    cli_config.write_text(
        subprocess.run(
            [str(SCRIPTS / "terraform-mirror-config"), provider_mirror], capture_output=True, text=True, check=True
        ).stdout
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_"))}
    env.update(DUMMY_CREDENTIALS)
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_PLUGIN_MIRROR_DIR": provider_mirror,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
    )
    return Terraform(env)


@pytest.fixture(scope="session")
def infra_emulator_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the infrastructure tests' moto_server logs each request it answers, to explain a failure."""
    return tmp_path_factory.mktemp("emulator") / "moto.log"


@pytest.fixture(scope="session")
def infra_emulator(infra_emulator_log: Path) -> Iterator[Emulator]:
    """A moto_server for the infrastructure tests alone, stopped by its process group at the end."""
    with infra_emulator_log.open("wb") as log:
        running = start_emulator(log=log)
    try:
        yield running
    finally:
        running.stop()


#: The test that waits for the pipeline rehearsal; the rehearsal starts early only when it is selected.
REHEARSAL_TEST = "test_make_pipeline_local_runs_every_stage_against_the_emulator"


@dataclass
class Rehearsal:
    """``make pipeline-local`` running in the background against an emulator that outlives it."""

    process: ManagedProcess
    log_path: Path
    #: Where the rehearsal copies what the Jenkinsfile archives (make pipeline-local ARTIFACTS=...).
    artifacts: Path
    emulator: Emulator
    started: float

    def wait(self, timeout: float) -> tuple[int, str, float]:
        """Wait for the rehearsal to end: its exit status, its output and how long it took."""
        try:
            status = self.process.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.stop()
            pytest.fail(f"make pipeline-local did not finish in {timeout:.0f} s:\n{self.log_path.read_text()[-4000:]}")
        return status, self.log_path.read_text(), time.monotonic() - self.started


@pytest.fixture(scope="session")
def pipeline_rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    """``make pipeline-local`` started once, in the background, against an emulator the test can inspect after."""
    emulator = start_emulator()
    directory = tmp_path_factory.mktemp("pipeline-local")
    log_path, artifacts = directory / "pipeline-local.log", directory / "artifacts"
    env = {**os.environ, "EMULATOR_URL": emulator.url, "PYTHONUNBUFFERED": "1"}
    try:
        with log_path.open("wb") as log:
            process = ManagedProcess(
                ["make", "--no-print-directory", "-C", str(ROOT), "pipeline-local", f"ARTIFACTS={artifacts}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield Rehearsal(process, log_path, artifacts, emulator, time.monotonic())
        finally:
            process.stop()
    finally:
        emulator.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_rehearsal_early(request: pytest.FixtureRequest) -> None:
    """Start the rehearsal with the first infrastructure test, so its apply overlaps the other tests' work."""
    if any(item.name == REHEARSAL_TEST for item in request.session.items):
        request.getfixturevalue("pipeline_rehearsal")


def load_tfjson() -> Any:
    """scripts/tfjson.py as a module."""
    spec = importlib.util.spec_from_file_location("tfjson", SCRIPTS / "tfjson.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
