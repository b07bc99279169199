"""The Lambda deployment package: the function's code and bundled dependencies in a reproducible zip.

boto3, botocore and their own dependencies come with the Lambda runtime and are left out. AWS Lambda
Powertools is bundled, only the parts the function imports, so the zip stays small and the local stack
runs exactly what deploys. The same source always gives the same bytes, so Terraform's
``source_code_hash`` changes only when the code does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

#: The package's own modules that never ship: the local stack, the command line, its data tools and this builder.
EXCLUDED_OWN = ("local/", "cli/", "client.py", "datatools/", "build.py")
#: Parts of AWS Lambda Powertools the function uses: Logger, Metrics, the idempotency utility and what they import.
POWERTOOLS_PARTS = (
    "__init__.py",
    "exceptions/",
    "logging/",
    "metrics/",
    "middleware_factory/",
    "package_logger.py",
    "py.typed",
    "shared/",
    "tracing/",
    "utilities/__init__.py",
    "utilities/idempotency/",
    "utilities/jmespath_utils/",
    "warnings/",
)
#: Single-module dependencies of Powertools that the Lambda runtime does not provide.
BUNDLED_MODULES = ("typing_extensions",)
#: Python version of the Lambda runtime (python3.13): the only bytecode it uses is compiled by this version.
RUNTIME_VERSION = (3, 13)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed; run `make venv` first")
    return Path(spec.origin).parent


def _tree(
    root: Path, prefix: str, keep: tuple[str, ...] | None, skip: tuple[str, ...] = ()
) -> Iterator[tuple[str, Path]]:
    """``(archive name, file)`` for the source files under ``root``, filtered by relative path prefixes."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in relative or path.suffix in (".pyc", ".pyo"):
            continue
        if keep is not None and not relative.startswith(keep):
            continue
        if relative.startswith(skip):
            continue
        yield f"{prefix}/{relative}", path


def package_files() -> list[tuple[str, Path]]:
    """Every file of the zip, by archive name, sorted so the archive's order never varies."""
    files = list(_tree(_package_dir("dynamodbmanager"), "dynamodbmanager", None, EXCLUDED_OWN))
    files += _tree(_package_dir("aws_lambda_powertools"), "aws_lambda_powertools", POWERTOOLS_PARTS)
    for module in BUNDLED_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{module} is not installed; run `make venv` first")
        files.append((Path(spec.origin).name, Path(spec.origin)))
    return sorted(files)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    return info


#: Compiles ``[archive name, source, .pyc path]`` jobs read as JSON from stdin; prints the ``__pycache__``
#: names, which carry the compiling interpreter's tag (``cpython-313``).
_COMPILER = """
import importlib.util, json, py_compile, sys
names = []
for name, source, compiled in json.load(sys.stdin):
    py_compile.compile(source, cfile=compiled, dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    names.append(importlib.util.cache_from_source(name))
json.dump(names, sys.stdout)
"""


class BuildError(Exception):
    """The zip cannot be built as asked (e.g. the Python given to compile the bytecode does not run)."""


def python_version(python: str) -> tuple[int, int]:
    """The ``(major, minor)`` version of the interpreter ``python``."""
    if python == sys.executable:
        return sys.version_info[0], sys.version_info[1]
    try:
        shown = subprocess.run(
            [python, "-I", "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
        return int(shown[0]), int(shown[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        raise BuildError(f"{python} does not run as a Python interpreter.") from None


def _bytecode(python: str, sources: list[tuple[str, Path]], scratch: Path) -> list[tuple[str, bytes]]:
    """The ``__pycache__`` entries of ``sources``, compiled by ``python`` in one process, unchecked so
    that they never depend on file times."""
    jobs = [(name, str(path), str(scratch / f"{index}.pyc")) for index, (name, path) in enumerate(sources)]
    try:
        result = subprocess.run(
            [python, "-I", "-c", _COMPILER],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if result.returncode == 0:
            names: list[str] = json.loads(result.stdout)
            return [(name, Path(job[2]).read_bytes()) for name, job in zip(names, jobs, strict=True)]
    except (ValueError, TypeError, OSError, subprocess.SubprocessError) as exc:
        reason = str(exc)
    raise BuildError(f"{python} could not compile the package: {reason}")


def build_zip(output: Path, *, bytecode: bool | None = None, python: str | None = None) -> Path:
    """Write the deployment package to ``output`` and its SHA-256 next to it; returns ``output``.

    ``bytecode`` ships modules compiled by ``python`` (default: this interpreter), which lets a machine
    whose own Python is another version ship bytecode for the runtime's. By default bytecode ships only
    when that interpreter is the runtime's version, since the runtime ignores bytecode of any other.
    """
    python = python or sys.executable
    if bytecode is None:
        bytecode = python_version(python) == RUNTIME_VERSION
    files = package_files()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, tempfile.TemporaryDirectory() as scratch:
        entries = [(name, path.read_bytes()) for name, path in files]
        if bytecode:
            entries += _bytecode(python, [(n, p) for n, p in files if n.endswith(".py")], Path(scratch))
        for name, data in sorted(entries):
            archive.writestr(_entry(name), data, compresslevel=9)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(output.suffix + ".tmp")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, output)
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    output.with_name(output.name + ".sha256").write_text(f"{digest}  {output.name}\n", encoding="ascii")
    return output
