"""The benchmark's one table: rows of figures, each against its baseline and target, printed and saved as JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

COLUMNS = ("section", "measure", "ours", "baseline", "ratio", "target", "met")
#: Distributions whose versions decide the figures.
DISTRIBUTIONS = ("boto3", "botocore", "aws-lambda-powertools", "moto", "werkzeug")


@dataclass(frozen=True)
class Row:
    """One figure: ours, the baseline's, ours/baseline, and the ratio the issue aims for (if any)."""

    section: str
    measure: str
    ours: str
    baseline: str = ""
    ratio: float | None = None
    #: The largest acceptable ratio; None when the row is information only.
    limit: float | None = None
    #: The smallest acceptable ratio (for figures where more is better, such as throughput).
    floor: float | None = None
    #: How the ratio is read when it is not ours/baseline (e.g. "100k/10k").
    ratio_of: str = "ours/baseline"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        """Whether the ratio is within its target; None for information rows."""
        if self.ratio is None or (self.limit is None and self.floor is None):
            return None
        return (self.limit is None or self.ratio <= self.limit) and (self.floor is None or self.ratio >= self.floor)

    def cells(self) -> tuple[str, ...]:
        """The row as the table prints it."""
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        target = ""
        if self.limit is not None:
            target = f"≤ {self.limit:.2f} {self.ratio_of}"
        elif self.floor is not None:
            target = f"≥ {self.floor:.2f} {self.ratio_of}"
        met = {None: "", True: "yes", False: "NO"}[self.met]
        return (self.section, self.measure, self.ours, self.baseline, ratio, target, met)


def render(rows: list[Row]) -> str:
    """A plain-text table with aligned columns."""
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit(root: Path) -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(root: Path) -> dict[str, Any]:
    """Where and with what the figures were measured."""
    versions: dict[str, str] = {}
    for name in DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "versions": versions,
        "commit": _commit(root),
    }


def save(path: Path, rows: list[Row], meta: dict[str, Any]) -> Path:
    """Write the table and its context as JSON to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        **meta,
        "columns": list(COLUMNS),
        "rows": [{**asdict(row), "target": row.cells()[5], "met": row.met} for row in rows],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path
