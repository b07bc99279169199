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
    """Sizes of both builds, and whether ``dist/lambda.zip`` is the same bytes as one of them (which one
    ``make build`` writes depends on its Python)."""
    source, bytecode = _describe(functions.zip_path), _describe(functions.bytecode_zip_path)
    same = dist_zip.is_file() and _describe(dist_zip)["sha256"] in (source["sha256"], bytecode["sha256"])
    rows = [
        Row(
            SECTION,
            "lambda.zip without bytecode (KiB)",
            f"{source['zip_bytes'] / 1024:.0f}",
            ratio=source["zip_bytes"] / ZIP_LIMIT_BYTES,
            limit=1.0,
            ratio_of="of 2 MiB",
            extra={"dist_zip_is_one_of_them": same},
        ),
        Row(
            SECTION,
            "lambda.zip without bytecode unpacked (KiB)",
            f"{source['unpacked_bytes'] / 1024:.0f} in {source['files']} files",
        ),
        Row(
            SECTION,
            "lambda.zip with bytecode (KiB)",
            f"{bytecode['zip_bytes'] / 1024:.0f}",
            ratio=bytecode["zip_bytes"] / ZIP_LIMIT_BYTES,
            limit=1.0,
            ratio_of="of 2 MiB",
        ),
        Row(
            SECTION,
            "lambda.zip with bytecode unpacked (KiB)",
            f"{bytecode['unpacked_bytes'] / 1024:.0f} in {bytecode['files']} files",
        ),
    ]
    return rows, {"source": source, "bytecode": bytecode, "dist_zip": str(dist_zip), "dist_zip_is_one_of_them": same}
