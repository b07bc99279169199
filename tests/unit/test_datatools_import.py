"""The importer against an in-memory target: batches, bad lines, --strict, checkpoints and an exact --resume."""

from __future__ import annotations

import io
import json
import random
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodbmanager.client import ApiError, Unreachable
from dynamodbmanager.datatools.import_ import (
    Acknowledged,
    Checkpoint,
    Importer,
    ImportStopped,
    TargetUnavailable,
    check_item,
    checkpoint_path,
)
from dynamodbmanager.datatools.progress import Progress
from dynamodbmanager.datatools.retry import retried
from dynamodbmanager.errors import ServiceError


class MemoryTarget:
    """Stores items in a dict; counts every write; can fail after a number of items, like a dying server."""

    name = "memory"

    def __init__(self, fail_after: int | None = None, refuse: frozenset[str] = frozenset()) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.writes: list[str] = []
        self.batches: list[list[int]] = []
        self.fail_after = fail_after
        self.refuse = refuse
        self._lock = threading.Lock()

    def check(self) -> None:
        pass

    def prepare(self, item: dict[str, Any]) -> dict[str, Any]:
        check_item(item)
        return item

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        refused: list[tuple[int, str]] = []
        with self._lock:
            self.batches.append(lines)
            for done, (item, line) in enumerate(zip(prepared, lines, strict=True)):
                if self.fail_after is not None and len(self.writes) >= self.fail_after:
                    raise TargetUnavailable("the target went away", written=done)
                if item["id"] in self.refuse:
                    refused.append((line, "refused"))
                    continue
                self.items[item["id"]] = item
                self.writes.append(item["id"])
        return refused


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def run(source: Path, target: Any, **options: Any) -> tuple[Any, str]:
    stream = io.StringIO()
    importer = Importer(source, "jsonl", target, Progress("import", stream, tty=False), **options)
    return importer.run(), stream.getvalue()


def numbered(count: int) -> list[str]:
    return [json.dumps({"id": f"i{n}", "n": n}) for n in range(1, count + 1)]


def test_a_clean_import_writes_everything_in_batches_and_leaves_no_checkpoint(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(60))
    target = MemoryTarget()
    summary, _ = run(source, target)
    assert (summary.written, summary.skipped, summary.failed, summary.complete) == (60, 0, 0, True)
    assert sorted(len(lines) for lines in target.batches) == [10, 25, 25]
    assert target.items["i60"] == {"id": "i60", "n": 60}
    assert not checkpoint_path(source).exists()


def test_bad_lines_are_reported_by_number_and_skipped(tmp_path: Path) -> None:
    big = json.dumps({"id": "big", "blob": "x" * 410_000})
    lines = ['{"id": "a"}', "not json", '{"no": "id"}', '{"id": 7}', big, '{"id": "b"}', '{"id": "c", "x": NaN}']
    source = write_lines(tmp_path / "in.jsonl", lines)
    target = MemoryTarget()
    summary, output = run(source, target)
    assert (summary.written, summary.skipped, summary.complete) == (2, 5, True)
    assert set(target.items) == {"a", "b"}
    assert "line 2: skipped: The line is not valid JSON" in output
    assert "line 3: skipped: The item has no 'id'." in output
    assert "line 4: skipped: The key attribute 'id' must be a string." in output
    assert "line 5: skipped: The item is 410" in output
    assert "400 KB" in output
    assert "line 7: skipped: NaN is not a valid JSON number" in output


def test_strict_stops_at_the_first_bad_line_keeping_what_came_before(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [*numbered(30), "oops", *numbered(40)[30:]])
    target = MemoryTarget()
    summary, _ = run(source, target, strict=True)
    assert summary.stopped is not None
    assert summary.stopped.startswith("line 31: ")
    assert summary.usage
    assert set(target.items) == {f"i{n}" for n in range(1, 31)}
    assert json.loads(checkpoint_path(source).read_text()) == {"target": "memory", "line": 30, "beyond": []}
    # Fixed, it resumes right at the bad line.
    write_lines(source, [*numbered(30), '{"id": "fixed"}', *numbered(40)[30:]])
    summary, _ = run(source, target, strict=True, resume=True)
    assert summary.complete
    assert (summary.resumed_after, summary.written) == (30, 11)
    assert len(target.writes) == 41
    assert "fixed" in target.items


def test_refused_items_are_skipped_with_their_line(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(5))
    summary, output = run(source, MemoryTarget(refuse=frozenset({"i3"})))
    assert (summary.written, summary.skipped) == (4, 1)
    assert "line 3: skipped: refused" in output


def test_resume_after_a_failure_writes_each_acknowledged_line_once(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(500))
    target = MemoryTarget(fail_after=137)
    summary, _ = run(source, target, concurrency=4)
    assert not summary.complete
    assert summary.stopped == "the target went away"
    assert summary.written == 137
    state = json.loads(checkpoint_path(source).read_text())
    acknowledged = Acknowledged(state["line"], [tuple(r) for r in state["beyond"]])
    assert all(acknowledged.covers(int(item_id[1:])) for item_id in target.items)
    target.fail_after = None
    summary, _ = run(source, target, concurrency=4, resume=True)
    assert summary.complete
    assert len(target.items) == 500
    assert len(target.writes) == 500, "an acknowledged line was written twice"
    assert not checkpoint_path(source).exists()


def test_a_later_line_with_the_same_id_wins(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"k{n % 7}", "n": n}) for n in range(200)]
    source = write_lines(tmp_path / "in.jsonl", lines)
    target = MemoryTarget()
    run(source, target, concurrency=8, batch_size=5)
    assert target.items == {f"k{k}": {"id": f"k{k}", "n": max(n for n in range(200) if n % 7 == k)} for k in range(7)}
    assert all(len({f"{n}" for n in lines}) == len(lines) for lines in target.batches)


def test_a_checkpoint_for_another_target_is_refused(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(3))
    Checkpoint(checkpoint_path(source), "elsewhere").save(Acknowledged(2), force=True)
    with pytest.raises(ImportStopped, match="belongs to an import into elsewhere") as stopped:
        run(source, MemoryTarget(), resume=True)
    assert stopped.value.usage


def test_a_garbled_checkpoint_is_refused(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(3))
    checkpoint_path(source).write_text("{")
    with pytest.raises(ImportStopped, match="not a checkpoint"):
        run(source, MemoryTarget(), resume=True)


def test_without_resume_an_old_checkpoint_is_ignored(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(3))
    Checkpoint(checkpoint_path(source), "memory").save(Acknowledged(2), force=True)
    summary, _ = run(source, MemoryTarget())
    assert summary.written == 3


@settings(deadline=None)  # a loaded machine must not fail a test on time
@given(st.integers(min_value=1, max_value=40), st.randoms(use_true_random=False))
def test_acknowledged_lines_never_run_ahead_of_a_gap(batches: int, rng: random.Random) -> None:
    ranges = []
    first = 1
    for _ in range(batches):
        last = first + rng.randint(0, 30)
        ranges.append((first, last))
        first = last + 1
    order = list(ranges)
    rng.shuffle(order)
    acknowledged = Acknowledged()
    done: set[int] = set()
    for first, last in order:
        acknowledged.add(first, last)
        done.update(range(first, last + 1))
        gap = min((n for n in range(1, first + 10_000) if n not in done), default=None)
        assert gap is not None
        assert acknowledged.line == gap - 1
        assert all(acknowledged.covers(n) for n in done)
        assert not acknowledged.covers(gap)
        resumed = Acknowledged(acknowledged.line, acknowledged.beyond())
        assert all(resumed.covers(n) == (n in done) for n in range(1, ranges[-1][1] + 2))
    assert acknowledged.line == ranges[-1][1]
    assert acknowledged.beyond() == []


def test_check_item_says_what_dynamodb_would_refuse() -> None:
    with pytest.raises(ServiceError, match="no 'id'"):
        check_item({"name": "x"})
    with pytest.raises(ServiceError, match="must not be empty"):
        check_item({"id": ""})
    assert check_item({"id": "a", "n": 1}) == {"id": {"S": "a"}, "n": {"N": "1"}}


def test_retried_waits_out_a_busy_api_but_not_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dynamodbmanager.datatools.retry.time.sleep", lambda _seconds: None)
    answers: list[Exception | str] = [ApiError(503, "Throttled", "busy"), Unreachable("down"), "page"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retried(call) == "page"
    answers[:] = [ApiError(404, "NotFound", "gone"), "never"]
    with pytest.raises(ApiError, match="404"):
        retried(call)
    answers[:] = [ApiError(502, "Gateway", "bad")] * 3
    with pytest.raises(ApiError, match="502"):
        retried(call, attempts=3)
    assert answers == []
