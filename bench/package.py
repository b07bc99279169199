"""The deployment package: its size zipped and unpacked, with and without bytecode."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.report import Row

if TYPE_CHECKING:
    from bench.functions import Functions

SECTION = "package"
#: Lambda's limit is 50 MB zipped; the issue asks for far less so cold starts stay cheap.
ZIP_LIMIT_BYTES = 2 * 1024 * 1024


def _describe(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return {
        "zip_bytes": path.stat().st_size,
        "unpacked_bytes": sum(info.file_size for info in infos),
        "files": len(infos),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def measure(functions: Functions, dist_zip: Path) -> tuple[list[Row], Any]:
    """Sizes of both builds, and whether ``dist/lambda.zip`` is the same bytes as a build of the working tree."""
    built, bytecode = _describe(functions.zip_path), _describe(functions.bytecode_zip_path)
    same = dist_zip.is_file() and _describe(dist_zip)["sha256"] == built["sha256"]
    rows = [
        Row(
            SECTION,
            "lambda.zip (KiB)",
            f"{built['zip_bytes'] / 1024:.0f}",
            ratio=built["zip_bytes"] / ZIP_LIMIT_BYTES,
            limit=1.0,
            ratio_of="of 2 MiB",
            extra={"dist_zip_is_this_build": same},
        ),
        Row(SECTION, "lambda.zip unpacked (KiB)", f"{built['unpacked_bytes'] / 1024:.0f} in {built['files']} files"),
        Row(
            SECTION,
            "with bytecode (KiB)",
            f"{bytecode['zip_bytes'] / 1024:.0f}",
            ratio=bytecode["zip_bytes"] / ZIP_LIMIT_BYTES,
            limit=1.0,
            ratio_of="of 2 MiB",
        ),
        Row(
            SECTION,
            "with bytecode unpacked (KiB)",
            f"{bytecode['unpacked_bytes'] / 1024:.0f} in {bytecode['files']} files",
        ),
    ]
    return rows, {"built": built, "bytecode": bytecode, "dist_zip": str(dist_zip), "dist_zip_is_this_build": same}
