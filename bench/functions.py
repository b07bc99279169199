"""The functions under test, laid out as Lambda sees them: unpacked code, runtime libraries, environment."""

from __future__ import annotations

import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dynamodbmanager.build import build_zip
from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS
from dynamodbmanager.local.invoker import runtime_libraries

OURS = "dynamodbmanager.handler.lambda_handler"
BARE = "bare_handler.lambda_handler"
BARE_SOURCE = Path(__file__).with_name("bare_handler.py")
REGION = "us-east-1"


@dataclass(frozen=True)
class Functions:
    """Code directories of both handlers and the libraries the Lambda runtime provides."""

    #: The package without bytecode, as a build on a Python other than the runtime's ships it.
    zip_path: Path
    #: The same package with bytecode compiled by this interpreter, as a build on the runtime's Python ships.
    bytecode_zip_path: Path
    ours_source: Path
    ours_bytecode: Path
    bare: Path
    libraries: Path

    def code_dir(self, handler: str) -> Path:
        """Where ``handler`` is deployed (ours with bytecode: what a build on the runtime's version ships)."""
        return self.ours_bytecode if handler == OURS else self.bare


def _unpack(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(target)
    return target


def prepare(workdir: Path) -> Functions:
    """Build the zip both ways from the working tree, unpack it, and deploy the bare handler beside it."""
    zip_path = build_zip(workdir / "lambda.zip", bytecode=False)
    bytecode_zip_path = build_zip(workdir / "lambda-bytecode.zip", bytecode=True)
    bare = workdir / "bare"
    bare.mkdir()
    shutil.copy(BARE_SOURCE, bare / BARE_SOURCE.name)
    return Functions(
        zip_path=zip_path,
        bytecode_zip_path=bytecode_zip_path,
        ours_source=_unpack(zip_path, workdir / "ours-source"),
        ours_bytecode=_unpack(bytecode_zip_path, workdir / "ours-bytecode"),
        bare=bare,
        libraries=runtime_libraries(workdir / "runtime"),
    )


def lambda_env(table: str, endpoint_url: str | None = None) -> dict[str, str]:
    """The environment Lambda gives both functions (dummy credentials; never real ones)."""
    env = {
        **DUMMY_CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": "dynamodbmanager_function",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "TABLE_NAME": table,
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "dynamodbmanager",
        "POWERTOOLS_METRICS_NAMESPACE": "dynamodbmanager",
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        # Lambda's task directory is read-only: nothing compiled at run time is ever reused.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if endpoint_url:
        env["DYNAMODB_ENDPOINT_URL"] = endpoint_url
    return env


def python_argv(*args: str) -> list[str]:
    """This interpreter as Lambda's runtime runs it: no site-packages, no script directory on the path."""
    return [sys.executable, "-S", "-P", *args]


def pythonpath(code_dir: Path, libraries: Path) -> str:
    """The task directory first, then the runtime's libraries, as on Lambda."""
    return f"{code_dir}:{libraries}"
