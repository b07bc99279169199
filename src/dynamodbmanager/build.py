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
import os
import py_compile
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
#: Python version of the Lambda runtime (python3.13): bytecode is shipped only when built by it.
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


def _bytecode(name: str, path: Path, scratch: Path) -> tuple[str, bytes]:
    """The ``__pycache__`` entry of a module, unchecked so that it never depends on file times."""
    compiled = scratch / "module.pyc"
    py_compile.compile(
        str(path),
        cfile=str(compiled),
        dfile=name,
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return importlib.util.cache_from_source(name), compiled.read_bytes()


def build_zip(output: Path, *, bytecode: bool | None = None) -> Path:
    """Write the deployment package to ``output`` and its SHA-256 next to it; returns ``output``.

    ``bytecode`` ships compiled modules; by default only when this interpreter is the runtime's version,
    since bytecode of any other version would be ignored by the runtime.
    """
    if bytecode is None:
        bytecode = sys.version_info[:2] == RUNTIME_VERSION
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, tempfile.TemporaryDirectory() as scratch:
        entries: list[tuple[str, bytes]] = []
        for name, path in package_files():
            entries.append((name, path.read_bytes()))
            if bytecode and name.endswith(".py"):
                entries.append(_bytecode(name, path, Path(scratch)))
        for name, data in sorted(entries):
            archive.writestr(_entry(name), data, compresslevel=9)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(output.suffix + ".tmp")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, output)
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    output.with_name(output.name + ".sha256").write_text(f"{digest}  {output.name}\n", encoding="ascii")
    return output
