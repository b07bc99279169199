"""The importer against an in-memory target: batches, bad lines, --strict, checkpoints, --resume, every type."""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodbmanager.cli.output import visible
from dynamodbmanager.client import ApiClient, ApiError, Reply, Unreachable
from dynamodbmanager.datatools.import_ import (
    Acknowledged,
    ApiTarget,
    Checkpoint,
    DirectTarget,
    Importer,
    ImportStopped,
    ImportSummary,
    TargetUnavailable,
    check_item,
    checkpoint_path,
)
from dynamodbmanager.datatools.progress import Progress
from dynamodbmanager.datatools.retry import retried
from dynamodbmanager.errors import ServiceError
from dynamodbmanager.schema import DEFAULT_SHAPE, KeyAttribute, TableShape
from dynamodbmanager.store.attributes import deserialize
from dynamodbmanager.store.keys import Keys


class MemoryTarget:
    """Stores items in a dict by key (the id alone, or a tuple); counts every write; can fail like a dying server."""

    name = "memory"

    def __init__(
        self, fail_after: int | None = None, refuse: frozenset[Any] = frozenset(), shape: TableShape = DEFAULT_SHAPE
    ) -> None:
        self.items: dict[Any, dict[str, Any]] = {}
        self.typed: dict[Any, dict[str, Any]] = {}
        self.writes: list[Any] = []
        self.batches: list[list[int]] = []
        self.fail_after = fail_after
        self.refuse = refuse
        self.shape = shape
        self._lock = threading.Lock()

    def check(self) -> TableShape:
        return self.shape

    def key(self, item: dict[str, Any]) -> Any:
        values = tuple(next(iter(item[name].values())) for name in self.shape.key_names)
        return values[0] if len(values) == 1 else values

    def prepare(self, typed: dict[str, Any]) -> dict[str, Any]:
        return typed

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        refused: list[tuple[int, str]] = []
        with self._lock:
            self.batches.append(lines)
            for done, (item, line) in enumerate(zip(prepared, lines, strict=True)):
                if self.fail_after is not None and len(self.writes) >= self.fail_after:
                    raise TargetUnavailable("the target went away", written=done)
                item_id = self.key(item)
                if item_id in self.refuse:
                    refused.append((line, "refused"))
                    continue
                self.typed[item_id] = item
                self.items[item_id] = deserialize(item)
                self.writes.append(item_id)
        return refused


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def run(source: Path, target: Any, fmt: str | None = "jsonl", **options: Any) -> tuple[ImportSummary, str]:
    stream = io.StringIO()
    importer = Importer(source, fmt, target, Progress("import", stream, tty=False), **options)
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


def test_bad_lines_are_reported_by_number_and_leave_the_import_incomplete(tmp_path: Path) -> None:
    big = json.dumps({"id": "big", "blob": "x" * 410_000})
    lines = ['{"id": "a"}', "not json", '{"no": "id"}', '{"id": 7}', big, '{"id": "b"}', '{"id": "c", "x": NaN}']
    source = write_lines(tmp_path / "in.jsonl", lines)
    target = MemoryTarget()
    summary, output = run(source, target)
    assert (summary.written, summary.skipped, summary.complete) == (2, 5, False)
    assert summary.stopped is None
    assert set(target.items) == {"a", "b"}
    assert "line 2: not imported: The line is not valid JSON" in output
    assert "line 3: not imported: The item has no 'id', the table's partition key (a string)." in output
    assert "line 4: not imported: The key attribute 'id' must be a string, not a number." in output
    assert "line 5: not imported: The item is 410" in output
    assert "400 KB" in output
    assert "line 7: not imported: NaN is not a valid JSON number" in output
    # The bad lines stay out of the checkpoint: fixed, --resume imports just them.
    state = json.loads(checkpoint_path(source).read_text())
    assert (state["line"], state["beyond"]) == (1, [[6, 6]])
    write_lines(source, ['{"id": "a"}', *(json.dumps({"id": f"fixed-{n}"}) for n in range(2, 6)), *lines[5:6], "{}"])
    summary, output = run(source, target, resume=True)
    assert (summary.written, summary.skipped, summary.resumed_after) == (4, 1, 1)
    assert "line 7: not imported: The item has no 'id', the table's partition key (a string)." in output
    assert target.writes == ["a", "b", "fixed-2", "fixed-3", "fixed-4", "fixed-5"]


def test_strict_stops_at_the_first_bad_line_keeping_what_came_before(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [*numbered(30), "oops", *numbered(40)[30:]])
    target = MemoryTarget()
    summary, _ = run(source, target, strict=True)
    assert summary.stopped is not None
    assert summary.stopped.startswith("line 31: ")
    assert summary.usage
    assert set(target.items) == {f"i{n}" for n in range(1, 31)}
    assert json.loads(checkpoint_path(source).read_text()) == {
        "target": "memory",
        "files": ["in.jsonl"],
        "line": 30,
        "beyond": [],
    }
    # Fixed, it resumes right at the bad line.
    write_lines(source, [*numbered(30), '{"id": "fixed"}', *numbered(40)[30:]])
    summary, _ = run(source, target, strict=True, resume=True)
    assert summary.complete
    assert (summary.resumed_after, summary.written) == (30, 11)
    assert len(target.writes) == 41
    assert "fixed" in target.items


def test_items_the_target_refuses_are_reported_with_their_line(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(5))
    summary, output = run(source, MemoryTarget(refuse=frozenset({"i3"})))
    assert (summary.written, summary.skipped, summary.complete) == (4, 1, False)
    assert "line 3: not imported: item id 'i3': refused" in output
    state = json.loads(checkpoint_path(source).read_text())
    assert (state["line"], state["beyond"]) == (2, [[4, 5]])


def test_resume_after_a_failure_writes_each_acknowledged_line_once(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(500))
    target = MemoryTarget(fail_after=137)
    summary, _ = run(source, target, concurrency=4)
    assert not summary.complete
    assert summary.stopped is not None
    assert summary.stopped.endswith(": the target went away")
    assert summary.stopped.startswith("line ")
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
    assert not checkpoint_path(source).exists()
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


# DynamoDB JSON: every type imported as it is, from plain files, gzip files and AWS's export layout.

#: An item of each of the ten types, nested in a map and a list too, and a 41-digit number from DynamoDB.
EVERY_TYPE: dict[str, dict[str, Any]] = {
    "id": {"S": "every-type"},
    "s": {"S": "text"},
    "n": {"N": "1" + "0" * 40},
    "b": {"B": "AAH/"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["-2.5", "10"]},
    "bs": {"BS": ["AQ==", "Ag=="]},
    "l": {"L": [{"B": "Bw=="}, {"SS": ["y"]}, {"L": [{"NS": ["1"]}]}]},
    "m": {"M": {"bs": {"BS": ["CA=="]}, "n": {"NULL": True}, "deep": {"M": {"f": {"BOOL": False}}}}},
}


def item_line(typed: dict[str, Any]) -> str:
    """One line of DynamoDB's export format."""
    return json.dumps({"Item": typed})


def ddb_lines(prefix: str, count: int) -> list[str]:
    """``count`` DynamoDB JSON lines of items with a string set and binary, ids ``prefix0``, ``prefix1``..."""
    return [item_line({"id": {"S": f"{prefix}{n}"}, "ss": {"SS": [str(n)]}, "b": {"B": "AAE="}}) for n in range(count)]


def aws_export(root: Path, files: dict[str, list[str]]) -> Path:
    """A directory laid out as DynamoDB's export to S3: manifests beside gzip data files."""
    export = root / "AWSDynamoDBexport" / "01700000000000-abcdef01"
    (export / "data").mkdir(parents=True)
    (export / "manifest-summary.json").write_text('{"version": "2020-06-30", "itemCount": 3}')
    (export / "manifest-files.json").write_text('{"itemCount": 3, "dataFileS3Key": "data/x.json.gz"}\n')
    (export / "_started").write_text("")
    for name, lines in files.items():
        (export / "data" / name).write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode()))
    return root


def test_a_dynamodb_json_file_imports_every_type_as_it_is(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.json", [item_line(EVERY_TYPE)])
    target = MemoryTarget()
    summary, _ = run(source, target, fmt=None)
    assert (summary.written, summary.complete) == (1, True)
    stored = target.typed["every-type"]
    assert {name: next(iter(value)) for name, value in stored.items()} == {
        name: next(iter(value)) for name, value in EVERY_TYPE.items()
    }
    assert stored["b"] == {"B": b"\x00\x01\xff"}
    assert stored["bs"] == {"BS": [b"\x01", b"\x02"]}
    assert stored["m"]["M"]["bs"] == {"BS": [b"\x08"]}
    assert Decimal(stored["n"]["N"]) == 10**40
    assert target.items["every-type"]["ss"] == {"a", "b"}


def test_a_plain_line_with_41_digits_from_dynamodb_imports_as_that_number(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", ['{"id": "big", "n": 10000000000000000000000000000000000000000}'])
    target = MemoryTarget()
    summary, _ = run(source, target)
    assert summary.complete
    assert target.typed["big"]["n"] == {"N": "1E+40"}


def test_dynamodb_json_lines_dynamodb_would_refuse_are_reported(tmp_path: Path) -> None:
    lines = [
        item_line({"id": {"S": "ok"}}),
        item_line({"id": {"S": "empty-set"}, "ss": {"SS": []}}),
        item_line({"id": {"N": "1"}}),
        '{"id": {"S": "unwrapped"}}',
        item_line({"id": {"S": "bad-base64"}, "b": {"B": "not base64"}}),
        item_line({"id": {"S": "too-many-digits"}, "n": {"N": "1234567890123456789012345678901234567891"}}),
    ]
    source = write_lines(tmp_path / "in.json", lines)
    summary, output = run(source, MemoryTarget(), fmt="dynamodb-json")
    assert (summary.written, summary.skipped, summary.complete) == (1, 5, False)
    assert "line 2: not imported: The item.ss must be a non-empty list" in output
    assert 'line 3: not imported: The key attribute \'id\' must be typed {"S": "..."}, not N.' in output
    assert "line 4: not imported: The line is not a DynamoDB JSON item" in output
    assert "line 5: not imported: The item.b must be binary as standard base64" in output
    assert "line 6: not imported: The item.n has a number with more than DynamoDB's 38 significant digits." in output


def test_a_gzip_file_is_imported_and_its_progress_counts_compressed_bytes(tmp_path: Path) -> None:
    source = tmp_path / "in.json.gz"
    source.write_bytes(gzip.compress("".join(line + "\n" for line in ddb_lines("g", 60)).encode()))
    stream = io.StringIO()
    target = MemoryTarget()
    summary = Importer(source, None, target, Progress("import", stream, tty=False, interval=0)).run()
    assert (summary.written, summary.complete) == (60, True)
    assert target.items["g7"] == {"id": "g7", "ss": {"7"}, "b": b"\x00\x01"}
    assert "100%  60 items" in stream.getvalue().splitlines()[-1]


def test_a_directory_in_aws_export_layout_is_imported_file_by_file(tmp_path: Path) -> None:
    root = aws_export(tmp_path / "export", {"b.json.gz": ddb_lines("b", 3), "a.json.gz": ddb_lines("a", 3)})
    plain = root / "AWSDynamoDBexport" / "plain.json"
    plain.write_text(item_line(EVERY_TYPE) + "\n")
    target = MemoryTarget(refuse=frozenset({"b1"}))
    summary, output = run(root, target, fmt=None, batch_size=2, concurrency=1)
    assert (summary.written, summary.skipped) == (6, 1)
    assert target.writes == ["a0", "a1", "a2", "b0", "b2", "every-type"]
    assert (
        "line 2 of AWSDynamoDBexport/01700000000000-abcdef01/data/b.json.gz: not imported: item id 'b1': refused"
        in (output)
    )
    state = json.loads(checkpoint_path(root).read_text())
    assert state["files"] == [
        "AWSDynamoDBexport/01700000000000-abcdef01/data/a.json.gz",
        "AWSDynamoDBexport/01700000000000-abcdef01/data/b.json.gz",
        "AWSDynamoDBexport/plain.json",
    ]
    # The refused line alone is left: once the target takes it, --resume writes just that one.
    target.refuse = frozenset()
    summary, _ = run(root, target, fmt=None, resume=True)
    assert (summary.written, summary.complete) == (1, True)
    assert target.writes[-1] == "b1"
    assert not checkpoint_path(root).exists()


def test_resuming_a_directory_writes_each_acknowledged_line_once(tmp_path: Path) -> None:
    files = {f"{name}.json.gz": ddb_lines(name, 120) for name in ("p", "q", "r")}
    root = aws_export(tmp_path / "export", files)
    target = MemoryTarget(fail_after=170)
    summary, _ = run(root, target, fmt=None, concurrency=3)
    assert summary.stopped is not None
    assert " of AWSDynamoDBexport/01700000000000-abcdef01/data/" in summary.stopped
    assert summary.stopped.endswith(".json.gz: the target went away")
    assert not summary.complete
    state = json.loads(checkpoint_path(root).read_text())
    assert len(state["files"]) == 3
    file_index, line = divmod(state["line"], 2**32)
    assert file_index in (0, 1)
    assert 0 < line <= 120
    target.fail_after = None
    summary, _ = run(root, target, fmt=None, concurrency=3, resume=True)
    assert summary.complete
    assert len(target.items) == 360
    assert len(target.writes) == 360, "an acknowledged line was written twice"


def test_a_checkpoint_for_other_files_is_refused(tmp_path: Path) -> None:
    root = aws_export(tmp_path / "export", {"a.json.gz": ddb_lines("a", 3)})
    Checkpoint(checkpoint_path(root), "memory", ["somewhere/else.json.gz"]).save(Acknowledged(2), force=True)
    with pytest.raises(ImportStopped, match="resume with the same files") as stopped:
        run(root, MemoryTarget(), fmt=None, resume=True)
    assert stopped.value.usage


def test_a_damaged_gzip_file_stops_the_import_after_what_it_could_read(tmp_path: Path) -> None:
    root = aws_export(tmp_path / "export", {"a.json.gz": ddb_lines("a", 5), "c.json.gz": ddb_lines("c", 5)})
    data = root / "AWSDynamoDBexport" / "01700000000000-abcdef01" / "data"
    (data / "b.json.gz").write_bytes(gzip.compress("".join(line + "\n" for line in ddb_lines("b", 500)).encode())[:-40])
    target = MemoryTarget()
    summary, _ = run(root, target, fmt=None)
    assert summary.stopped is not None
    assert "b.json.gz is not a complete gzip file" in summary.stopped
    assert summary.usage
    assert {f"a{n}" for n in range(5)} <= set(target.items)
    assert not any(item_id.startswith("c") for item_id in target.items)
    (data / "b.json.gz").write_bytes(gzip.compress("".join(line + "\n" for line in ddb_lines("b", 500)).encode()))
    summary, _ = run(root, target, fmt=None, resume=True)
    assert summary.complete
    assert len(target.items) == 510


def test_a_directory_without_data_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportStopped, match=r"no \*\.json or \*\.json\.gz file") as stopped:
        run(tmp_path / "empty", MemoryTarget(), fmt=None)
    assert stopped.value.usage


def test_acknowledged_ranges_leave_holes_for_lines_not_imported() -> None:
    acknowledged = Acknowledged()
    acknowledged.add(1, 10, holes=[4, 7, 99])
    assert acknowledged.line == 3
    assert acknowledged.beyond() == [(5, 6), (8, 10)]
    assert [n for n in range(1, 12) if not acknowledged.covers(n)] == [4, 7, 11]
    acknowledged.add(4, 4)
    assert (acknowledged.line, acknowledged.beyond()) == (6, [(8, 10)])


def test_the_targets_send_items_typed() -> None:
    typed: dict[str, dict[str, Any]] = {"id": {"S": "a"}, "b": {"B": b"\x01"}, "_version": {"N": "7"}}
    api = ApiTarget(ApiClient("http://127.0.0.1:9"))
    assert api.client.item_format == "dynamodb"
    assert api.prepare(typed) == {"id": {"S": "a"}, "b": {"B": b"\x01"}}
    direct = DirectTarget(object(), "table", None)
    assert direct.prepare(typed) == typed
    assert direct.prepare({"id": {"S": "a"}}) == {"id": {"S": "a"}, "_version": {"N": "1"}}


# Any table design: the key is the target table's, partition and sort, each of its type.

SINGLE_TABLE = TableShape("shop", KeyAttribute("PK", "S"), KeyAttribute("SK", "S"))
READINGS = TableShape("readings", KeyAttribute("sensor", "N"), KeyAttribute("at", "B"))


def test_composite_items_are_keyed_by_partition_and_sort_and_bad_keys_are_refused(tmp_path: Path) -> None:
    lines = [
        '{"PK": "c#1", "SK": "order#1", "n": 1}',
        '{"PK": "c#1", "SK": "order#2", "n": 2}',
        '{"PK": "c#1"}',
        '{"PK": "c#1", "SK": 3}',
        '{"SK": "order#1"}',
        '{"PK": "c#1", "SK": "order#1", "n": 3}',
        '{"PK": "c#1", "SK": ""}',
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    target = MemoryTarget(shape=SINGLE_TABLE, refuse=frozenset({("c#1", "order#2")}))
    summary, output = run(source, target, concurrency=1)
    assert (summary.written, summary.skipped) == (2, 5)
    assert target.items == {("c#1", "order#1"): {"PK": "c#1", "SK": "order#1", "n": 3}}
    # The repeated key starts a new batch: DynamoDB refuses a batch that names a key twice.
    assert target.batches == [[1, 2], [6]]
    assert "line 2: not imported: item PK 'c#1', SK 'order#2': refused" in output
    assert "line 3: not imported: The item has no 'SK', the table's sort key (a string)." in output
    assert "line 4: not imported: The key attribute 'SK' must be a string, not a number." in output
    assert "line 5: not imported: The item has no 'PK', the table's partition key (a string)." in output
    assert "line 7: not imported: The key attribute 'SK' must not be empty." in output


def test_number_and_binary_keys_are_checked_by_type_and_equal_numbers_are_one_key(tmp_path: Path) -> None:
    lines = [
        item_line({"sensor": {"N": "12"}, "at": {"B": "AAE="}, "v": {"N": "1"}}),
        item_line({"sensor": {"N": "12.0"}, "at": {"B": "AAE="}, "v": {"N": "2"}}),
        item_line({"sensor": {"S": "12"}, "at": {"B": "AAE="}}),
        item_line({"sensor": {"N": "12"}}),
        item_line({"sensor": {"N": "12"}, "at": {"B": "AAI="}, "big": {"S": "x" * 1100}}),
        item_line({"sensor": {"N": "12"}, "at": {"B": base64.b64encode(b"x" * 1025).decode()}}),
    ]
    source = write_lines(tmp_path / "in.json", lines)
    target = MemoryTarget(shape=READINGS)
    summary, output = run(source, target, fmt=None, concurrency=1)
    assert (summary.written, summary.skipped) == (3, 3)
    # 12 and 12.0 are one number, so one item: the later line's.
    assert target.batches == [[1], [2, 5]]
    assert target.typed[("12.0", b"\x00\x01")]["v"] == {"N": "2"}
    assert 'line 3: not imported: The key attribute \'sensor\' must be typed {"N": "..."}, not S.' in output
    assert "line 4: not imported: The item has no 'at', the table's sort key (binary)." in output
    assert "line 6: not imported: The key attribute 'at' is longer than DynamoDB's 1024 bytes." in output


def test_a_binary_key_has_no_plain_form(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", ['{"sensor": 12, "at": "AAE="}', '{"sensor": "12", "at": "AAE="}'])
    summary, output = run(source, MemoryTarget(shape=READINGS))
    assert summary.skipped == 2
    assert (
        "line 1: not imported: The key attribute 'at' is binary, which plain JSON cannot hold: import DynamoDB JSON"
        in (output)
    )
    assert "line 2: not imported: The key attribute 'sensor' must be a number, not a string." in output


class RecordingClient(ApiClient):
    """An API client that answers GET /table with a design and records every other request."""

    def __init__(self, design: dict[str, Any]) -> None:
        super().__init__("http://127.0.0.1:9", item_format="dynamodb")
        self.design = design
        self.sent: list[tuple[str, str, Any]] = []

    def request(self, method: str, path: str, body: Any = None, **_: Any) -> Reply:
        self.sent.append((method, path, body))
        if path == "/table":
            return Reply(200, {}, json.dumps(self.design))
        return Reply(200, {}, "{}")


def test_the_api_target_asks_the_design_once_and_puts_each_item_at_its_keys_path(tmp_path: Path) -> None:
    design = {"name": "readings", "key": [{"name": "sensor", "type": "N"}, {"name": "at", "type": "B"}], "indexes": []}
    client = RecordingClient(design)
    lines = [
        item_line({"sensor": {"N": "12"}, "at": {"B": "+/8="}, "_version": {"N": "4"}}),
        item_line({"sensor": {"N": "-1.5"}, "at": {"B": "AA=="}}),
    ]
    summary, _ = run(write_lines(tmp_path / "in.json", lines), ApiTarget(client), fmt=None)
    assert summary.complete
    assert [(method, path) for method, path, _ in client.sent] == [
        ("GET", "/table"),
        ("PUT", "/items/12/-_8?format=dynamodb"),
        ("PUT", "/items/-1.5/AA?format=dynamodb"),
    ]
    # The server sets versions: the file's is not sent.
    assert client.sent[1][2] == {"sensor": {"N": "12"}, "at": {"B": b"\xfb\xff"}}


def test_the_api_target_percent_encodes_string_keys_and_refuses_those_no_path_can_name(tmp_path: Path) -> None:
    design = {"name": "shop", "key": [{"name": "PK", "type": "S"}, {"name": "SK", "type": "S"}]}
    client = RecordingClient(design)
    lines = ['{"PK": "c 1?", "SK": "ö#%"}', '{"PK": "a/b", "SK": "x"}', '{"PK": "a", "SK": ".."}']
    summary, output = run(write_lines(tmp_path / "in.jsonl", lines), ApiTarget(client))
    assert summary.skipped == 2
    assert [path for _, path, _ in client.sent] == ["/table", "/items/c%201%3F/%C3%B6%23%25?format=dynamodb"]
    assert "line 2: not imported: item PK 'a/b', SK 'x': The key attribute 'PK' cannot be a URL path segment" in output
    assert "import it with --direct" in output
    assert "line 3: not imported: item PK 'a', SK '..': The key attribute 'SK' cannot be a URL path segment" in output


def test_an_api_that_cannot_describe_its_table_stops_the_import(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", numbered(1))
    with pytest.raises(ImportStopped, match="check --url") as stopped:
        run(source, ApiTarget(RecordingClient({"name": "t", "key": []})))
    assert stopped.value.usage


class DescribingDynamoDB:
    """DescribeTable of one table, as DynamoDB answers it (with what the shape does not need)."""

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {
            "Table": {
                "TableName": TableName,
                "TableStatus": "ACTIVE",
                "ItemCount": 3,
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                "AttributeDefinitions": [
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "SK", "AttributeType": "S"},
                    {"AttributeName": "GSI1PK", "AttributeType": "S"},
                ],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "GSI1",
                        "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                        "IndexStatus": "ACTIVE",
                    }
                ],
            }
        }


def test_the_direct_target_reads_the_key_from_describe_table() -> None:
    shape = DirectTarget(DescribingDynamoDB(), "shop", None).check()
    assert (shape.key_names, shape.key_schema()) == (("PK", "SK"), {"PK": "S", "SK": "S"})
    assert shape.indexes["GSI1"].projection == "KEYS_ONLY"
    assert Keys(shape).path({"PK": {"S": "a"}, "SK": {"S": "b"}}) == "/items/a/b"


def test_keys_from_the_file_are_reported_escaped_when_the_command_asks(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [json.dumps({"id": "\x1b]0;pwned\x07"})])
    stream = io.StringIO()
    progress = Progress("import", stream, tty=False, escape=visible)
    summary = Importer(source, "jsonl", MemoryTarget(refuse=frozenset({"\x1b]0;pwned\x07"})), progress).run()
    assert summary.skipped == 1
    assert "\x1b" not in stream.getvalue()
    assert "item id '\\x1b]0;pwned\\x07': refused" in stream.getvalue()


# The checkpoint: private, replaced atomically, never written through a link planted at its names.

VICTIM = "the victim's own data\n"


def plant_link(at: Path, victim: Path) -> None:
    """A symbolic link at ``at`` to ``victim``, as another user of a shared folder could leave one."""
    victim.write_text(VICTIM)
    at.symlink_to(victim)


def private_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (not a link) that only its owner can read and write."""
    return path.is_file() and not path.is_symlink() and (path.lstat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("planted", [".tmp", ""], ids=["at-the-temporary-name", "at-the-checkpoint"])
def test_a_link_at_a_checkpoint_name_is_never_written_through(tmp_path: Path, planted: str) -> None:
    source = write_lines(tmp_path / "in.jsonl", [*numbered(3), "not json", *numbered(5)[3:]])
    checkpoint = checkpoint_path(source)
    link = checkpoint.with_name(checkpoint.name + planted)
    victim = tmp_path / "victim.txt"
    plant_link(link, victim)
    target = MemoryTarget()
    summary, _ = run(source, target)
    assert (summary.written, summary.skipped) == (5, 1)
    assert victim.read_text() == VICTIM
    assert private_file(checkpoint)
    assert json.loads(checkpoint.read_text())["line"] == 3
    leftovers = {path.name for path in tmp_path.iterdir()} - {"in.jsonl", "victim.txt", checkpoint.name, link.name}
    assert not leftovers, "no temporary file is left behind"
    # The checkpoint still does its job: fixed, --resume imports just the line left out.
    write_lines(source, [*numbered(3), '{"id": "fixed"}', *numbered(5)[3:]])
    summary, _ = run(source, target, resume=True)
    assert summary.complete
    assert target.writes == ["i1", "i2", "i3", "i4", "i5", "fixed"]
    assert victim.read_text() == VICTIM
    assert not checkpoint.exists()


def test_each_save_replaces_the_checkpoint_with_a_new_private_file(tmp_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path / "in.jsonl.import-checkpoint.json", "memory", ["in.jsonl"])
    checkpoint.save(Acknowledged(1), force=True)
    first = checkpoint.path.stat().st_ino
    checkpoint.path.chmod(0o644)
    checkpoint.save(Acknowledged(2, [(4, 5)]), force=True)
    assert private_file(checkpoint.path)
    assert checkpoint.path.stat().st_ino != first, "a new file, renamed over the old one"
    assert json.loads(checkpoint.path.read_text()) == {
        "target": "memory",
        "files": ["in.jsonl"],
        "line": 2,
        "beyond": [[4, 5]],
    }
    assert [path.name for path in tmp_path.iterdir()] == [checkpoint.path.name]


# CSV written by export reads back exactly, strings that look like formulas and numbers alike.

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "'-", "'@"]


@pytest.mark.parametrize("raw", [False, True], ids=["quoted", "csv-raw"])
def test_a_csv_export_imports_back_to_the_same_items(tmp_path: Path, raw: bool) -> None:
    from dynamodbmanager.datatools.export import export_items
    from dynamodbmanager.store.attributes import serialize

    items = [
        {"id": start + "key", "s": start + "SUM(A1)", start + "col": start, "n": -5, "m": Decimal("-1.5")}
        for start in FORMULA_STARTS
    ]
    items.append({"id": "numbers", "neg": -5, "zero": 0, "text": "-5", "big": Decimal("-1E+100")})
    typed = [serialize(item) for item in items]
    target = tmp_path / "out.csv"
    export_items(
        [typed], str(target), "csv", Progress("export", io.StringIO(), enabled=False), csv_raw=raw, shape=DEFAULT_SHAPE
    )
    memory = MemoryTarget()
    summary, output = run(target, memory, "csv", csv_raw=raw)
    assert summary.complete, output
    assert memory.typed == {item["id"]["S"]: item for item in typed}
    assert memory.typed["numbers"]["neg"] == {"N": "-5"}
    assert memory.typed["numbers"]["text"] == {"S": "-5"}
