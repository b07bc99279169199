"""A dependency audit of the pinned requirements with pip-audit: it fails on a known vulnerability.

pip-audit asks a vulnerability database about each pin. This machine reaches package registries only,
not OSV's or PyPI's vulnerability API, so by default the audit asks a local stand-in of OSV's query API
that answers from ``advisories.json``; set DEPENDENCY_AUDIT_OSV_URL=https://api.osv.dev/v1/query to
audit against the live database where it can be reached.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.reliability.osv import OsvStandIn

_EXACT_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[a-z0-9,_-]+\])?==[0-9][A-Za-z0-9.+!-]*$")


def pinned_requirements() -> list[str]:
    """Every third-party requirement of pyproject.toml: runtime, local stack and development tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for group in project.get("optional-dependencies", {}).values():
        requirements += group
    return [r for r in requirements if not r.startswith(project["name"])]


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    """The OSV query endpoint to audit against: the live one if configured, else the local stand-in."""
    configured = os.environ.get("DEPENDENCY_AUDIT_OSV_URL")
    if configured:
        yield configured
        return
    stand_in = OsvStandIn()
    try:
        yield stand_in.url
    finally:
        stand_in.close()


def audit(requirements: list[str], osv_url: str, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    """Run pip-audit on ``requirements`` (no resolution: they are exact pins); its exit status and JSON report."""
    file = tmp_path / "requirements.txt"
    file.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    argv = [sys.executable, "-m", "pip_audit", "--requirement", str(file), "--no-deps", "--disable-pip"]
    argv += ["--vulnerability-service", "osv", "--osv-url", osv_url, "--format", "json"]
    argv += ["--progress-spinner", "off", "--cache-dir", str(tmp_path / "cache")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.stdout.strip(), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def test_every_requirement_is_an_exact_pin() -> None:
    requirements = pinned_requirements()
    assert len(requirements) >= 8
    loose = [r for r in requirements if not _EXACT_PIN.match(r)]
    assert not loose, f"not pinned exactly: {loose}"


def test_the_pinned_requirements_have_no_known_vulnerability(osv_url: str, tmp_path: Path) -> None:
    status, report = audit(pinned_requirements(), osv_url, tmp_path)
    vulnerable = {d["name"]: [v["id"] for v in d["vulns"]] for d in report["dependencies"] if d.get("vulns")}
    assert (status, vulnerable) == (0, {})
    audited = {d["name"] for d in report["dependencies"] if "skip_reason" not in d}
    # Every pin was looked up, none skipped.
    assert len(audited) == len(pinned_requirements())


def test_the_audit_fails_on_a_known_vulnerability(osv_url: str, tmp_path: Path) -> None:
    if "DEPENDENCY_AUDIT_OSV_URL" not in os.environ:
        assert osv_url.startswith("http://127.0.0.1:")
    # Werkzeug 3.0.0 has PYSEC-2023-221 (CVE-2023-46136), fixed in 3.0.1; the rest of the pins are as they are.
    requirements = [r for r in pinned_requirements() if not r.lower().startswith("werkzeug")] + ["werkzeug==3.0.0"]
    status, report = audit(requirements, osv_url, tmp_path)
    assert status == 1
    found = {d["name"]: {v["id"] for v in d["vulns"]} for d in report["dependencies"] if d.get("vulns")}
    assert "PYSEC-2023-221" in found["werkzeug"]
    fixes = {v["id"]: v["fix_versions"] for d in report["dependencies"] for v in d.get("vulns", [])}
    assert fixes["PYSEC-2023-221"] == ["3.0.1"]
