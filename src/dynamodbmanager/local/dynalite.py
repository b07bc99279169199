"""dynalite as the local DynamoDB endpoint: the table's data kept on disk, so it survives a restart or a crash.

dynalite is a Node.js implementation of DynamoDB on LevelDB. Its exact version and every dependency's are
pinned by ``node/package-lock.json``; it is installed with ``npm ci`` on first use into a project-local
folder (``.tools/`` of the checkout, git-ignored) and reused afterwards. moto's in-memory emulator stays
the default; this one is used with ``dynamodbmanager local --data-dir DIR``.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator
from dynamodbmanager.local.processes import LOOPBACK, ManagedProcess, free_port, wait_for_http

#: The dynalite release the lock file pins (kept in step with ``node/package.json``).
DYNALITE_VERSION = "4.0.0"
#: dynalite 4 needs Node.js 20 or later.
MIN_NODE_MAJOR = 20
#: ``package.json`` and ``package-lock.json`` that pin dynalite and its dependencies, and the script that serves it.
NODE_PROJECT = Path(__file__).with_name("node")
SERVE_SCRIPT = NODE_PROJECT / "serve-dynalite.js"
#: Overrides where the Node.js tools are installed.
TOOLS_DIR_VARIABLE = "DYNAMODBMANAGER_TOOLS_DIR"
INSTALL_HINT = (
    "Install Node.js {major} or later with npm (on Debian or Ubuntu: `apt-get install nodejs npm`; "
    "elsewhere your platform's Node.js installer), then run the command again. "
    "Without --data-dir the local stack needs no Node.js and keeps its data in memory."
)


class NodeMissing(Exception):
    """Node.js (20 or later) or npm is not installed, so dynalite cannot run; the message says what to install."""


class DynaliteInstallFailed(Exception):
    """``npm ci`` could not install dynalite (no network to the npm registry, or a build failure)."""


def tools_dir() -> Path:
    """Where Node.js tools are installed: ``$DYNAMODBMANAGER_TOOLS_DIR``, else ``.tools/`` of the checkout.

    An installed (non-editable) package has no checkout, so it uses the user's cache directory instead.
    """
    if configured := os.environ.get(TOOLS_DIR_VARIABLE):
        return Path(configured)
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and os.access(checkout, os.W_OK):
        return checkout / ".tools"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dynamodbmanager" / "tools"


def node_major(node: str) -> int | None:
    """The major version of the ``node`` executable, or None when it does not run."""
    try:
        output = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"v(\d+)\.", output.strip())
    return int(found.group(1)) if found else None


def find_node() -> str:
    """The path of a Node.js ≥ 20 executable; :class:`NodeMissing` says what to install otherwise."""
    hint = INSTALL_HINT.format(major=MIN_NODE_MAJOR)
    node = shutil.which("node")
    if node is None:
        raise NodeMissing(f"--data-dir runs dynalite, which needs Node.js, and `node` is not on PATH. {hint}")
    major = node_major(node)
    if major is None or major < MIN_NODE_MAJOR:
        found = "does not run" if major is None else f"is version {major}"
        raise NodeMissing(f"--data-dir runs dynalite, which needs Node.js {MIN_NODE_MAJOR}+; {node} {found}. {hint}")
    return node


def _installed(target: Path) -> bool:
    lock = target / "package-lock.json"
    marker = target / "node_modules" / "dynalite" / "package.json"
    return lock.is_file() and marker.is_file() and filecmp.cmp(lock, NODE_PROJECT / "package-lock.json", shallow=False)


def ensure_installed(directory: Path | None = None) -> Path:
    """The ``node_modules`` folder holding the pinned dynalite, installed with ``npm ci`` if not yet there."""
    import fcntl

    find_node()
    target = (directory or tools_dir()) / "dynalite"
    if _installed(target):
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        hint = INSTALL_HINT.format(major=MIN_NODE_MAJOR)
        raise NodeMissing(f"--data-dir installs dynalite with npm on first use, and `npm` is not on PATH. {hint}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two stacks starting at once install once: the second waits for the first and finds it done.
    with (target.parent / "dynalite.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed(target):
            return target / "node_modules"
        staging = Path(tempfile.mkdtemp(prefix="dynalite-", dir=target.parent))
        try:
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(NODE_PROJECT / name, staging / name)
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
                cwd=staging,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                raise DynaliteInstallFailed(
                    f"`npm ci` of dynalite {DYNALITE_VERSION} failed in {staging}:\n{result.stderr.strip()[-2000:]}"
                )
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


@dataclass
class Dynalite(Emulator):
    """A running dynalite keeping its data in ``data_dir``; same ``url``/``client``/``ensure_table`` as moto's."""

    data_dir: Path = field(default_factory=lambda: Path(".local-data"))
    tools: Path | None = None

    def start(self, timeout: float = 60.0) -> Dynalite:
        """Install dynalite if needed, start it and wait until it answers; a crash shows dynalite's own words."""
        node = find_node()
        modules = ensure_installed(self.tools)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [node, str(SERVE_SCRIPT), str(modules), LOOPBACK, str(self.port), str(self.data_dir), str(os.getpid())]
        env = {**os.environ, **DUMMY_CREDENTIALS}
        with tempfile.TemporaryFile() as output:
            log = output if self.log is subprocess.DEVNULL else self.log
            self.process = ManagedProcess(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_for_http(self.url, self.process, timeout)
            except RuntimeError as exc:
                self.stop()
                output.seek(0)
                said = output.read().decode(errors="replace").strip()[-1500:]
                raise RuntimeError(
                    f"dynalite could not start with its data in {self.data_dir}: {exc}\n{said}"
                ) from None
            except BaseException:
                self.stop()
                raise
        return self

    def reset(self) -> None:
        """Delete every table (dynalite has no reset API)."""
        dynamodb = self.client("dynamodb")
        for name in dynamodb.list_tables()["TableNames"]:
            dynamodb.delete_table(TableName=name)


def start_dynalite(data_dir: Path, port: int | None = None, *, region: str = "us-east-1") -> Dynalite:
    """Start dynalite on ``port`` (a free one by default) with its data in ``data_dir``."""
    return Dynalite(port=port or free_port(), region=region, data_dir=data_dir).start()
