"""schemathesis against the service's own /openapi.json on the local stack, with every check enabled."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
#: Enough to reach every phase (examples, coverage, fuzzing, stateful) in about a minute and a half on two cores.
MAX_EXAMPLES = 25


def test_the_api_conforms_to_its_openapi_document(dynalite_reliability_stack: RunningStack, tmp_path: Path) -> None:
    url = dynalite_reliability_stack.url
    argv = [str(SCRIPT), "--config-file", str(CONFIG), "run", f"{url}/openapi.json", "--url", url]
    argv += ["--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "20261128", "--workers", "2"]
    argv += ["--generation-database", "none", "--request-timeout", "20", "--no-color"]
    argv += ["--report", "junit", "--report-dir", str(tmp_path)]
    finished = subprocess.run(argv, capture_output=True, text=True, timeout=540, check=False, cwd=tmp_path)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-20000:]
    # Every operation of the document was exercised, through every phase.
    assert "Selected: 10/10" in output
    assert "Tested: 10" in output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, output[-5000:]
