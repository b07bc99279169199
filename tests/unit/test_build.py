"""The deployment package: its bytecode compiled by the Python asked for, and none of the command line's libraries."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import pytest

from dynamodbmanager.build import build_zip, package_files
from dynamodbmanager.cli import main


def _fake_python(tmp_path: Path, version: str) -> Path:
    """An interpreter that says it is ``version`` and runs nothing else (as Python 3.12 would, for the build)."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


def test_bytecode_of_every_module_is_compiled_by_the_python_given_and_reproducible(tmp_path: Path) -> None:
    first = build_zip(tmp_path / "one.zip", bytecode=True, python=sys.executable)
    again = build_zip(tmp_path / "two.zip", bytecode=True, python=sys.executable)
    assert first.read_bytes() == again.read_bytes()
    archive = zipfile.ZipFile(first)
    names = set(archive.namelist())
    sources = [name for name in names if name.endswith(".py")]
    assert "dynamodbmanager/handler.py" in sources
    for source in sources:
        compiled = archive.read(importlib.util.cache_from_source(source))
        assert compiled[:4] == importlib.util.MAGIC_NUMBER
        # Unchecked hash-based: the runtime never compares it with the file's time, fixed in the zip.
        assert int.from_bytes(compiled[4:8], "little") == 0b01


def test_auto_ships_no_bytecode_when_the_compiling_python_is_not_the_runtimes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "lambda.zip"
    python = _fake_python(tmp_path, "3 12")
    assert main(["build", "--output", str(output), "--python", str(python)]) == 0
    assert not any(name.endswith(".pyc") for name in zipfile.ZipFile(output).namelist())
    err = capsys.readouterr().err
    assert "is Python 3.12 and the runtime's is 3.13" in err
    assert "--python" in err


def test_a_python_that_does_not_run_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "lambda.zip"
    assert main(["build", "--output", str(output), "--python", str(tmp_path / "missing")]) == 2
    assert "does not run as a Python interpreter" in capsys.readouterr().err
    assert not output.exists()


def test_a_python_that_cannot_compile_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    python = _fake_python(tmp_path, "3 13")  # says 3.13, so bytecode is asked of it, but compiles nothing
    assert main(["build", "--output", str(tmp_path / "lambda.zip"), "--python", str(python)]) == 2
    assert "could not compile the package" in capsys.readouterr().err


#: Top-level packages the command line draws with (rich and what rich imports): never part of the function.
CLI_ONLY = ("rich", "markdown_it", "mdurl", "pygments")


def test_the_zip_never_ships_rich_nor_code_that_imports_it(tmp_path: Path) -> None:
    archive = zipfile.ZipFile(build_zip(tmp_path / "lambda.zip", bytecode=False))
    names = archive.namelist()
    assert names == [name for name, _ in package_files()]
    assert not [name for name in names if name.split("/")[0] in CLI_ONLY]
    assert not [name for name in names if name.startswith(("dynamodbmanager/cli/", "dynamodbmanager/datatools/"))]
    importing = re.compile(rf"^\s*(from|import)\s+({'|'.join(CLI_ONLY)})\b", re.MULTILINE)
    sources = [name for name in names if name.endswith(".py")]
    assert "dynamodbmanager/handler.py" in sources
    assert not [name for name in sources if importing.search(archive.read(name).decode("utf-8"))]
