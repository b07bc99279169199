"""Export's readers: parallel segments in a fixed order, a Scan of an index, the RPC list, and the table's shape."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.api.app import table_design
from dynamodbmanager.cli import main
from dynamodbmanager.client import ApiClient, ApiError, Reply
from dynamodbmanager.datatools.dynamodb import scan_pages
from dynamodbmanager.datatools.export import api_pages, export_items
from dynamodbmanager.datatools.progress import Progress
from dynamodbmanager.datatools.segments import read_segments
from dynamodbmanager.datatools.shape import UnknownDesign, from_design, index_of
from dynamodbmanager.schema import DEFAULT_SHAPE, TableShape

ROOT = Path(__file__).resolve().parents[2]
SINGLE_TABLE = TableShape.load(ROOT / "examples" / "single-table.json")

Page = list[dict[str, Any]]


def pages_of(segment: int, count: int, rng: random.Random) -> Generator[Page, None, None]:
    """``count`` pages of one segment, each after a random pause, so the workers finish in any order."""
    for number in range(count):
        time.sleep(rng.random() / 200)
        yield [{"id": {"S": f"{segment}-{number}"}}]


def test_segments_are_read_in_parallel_and_handed_on_in_turn_whatever_their_speed() -> None:
    counts = [3, 0, 5, 1]
    orders = set()
    for seed in range(5):
        rng = random.Random(seed)
        readers = [
            partial(pages_of, segment, count, random.Random(rng.random())) for segment, count in enumerate(counts)
        ]
        orders.add(tuple(page[0]["id"]["S"] for page in read_segments(readers)))
    assert orders == {("0-0", "2-0", "3-0", "0-1", "2-1", "0-2", "2-2", "2-3", "2-4")}


def test_a_failing_segment_stops_the_export_and_the_other_workers() -> None:
    started = threading.Event()
    closed: list[int] = []

    def endless(segment: int) -> Generator[Page, None, None]:
        started.set()
        try:
            while True:
                yield [{"id": {"S": str(segment)}}]
        finally:
            closed.append(segment)

    def failing() -> Generator[Page, None, None]:
        started.wait()
        yield [{"id": {"S": "first"}}]
        raise ApiError(503, "Busy", "still busy after its retries")

    with pytest.raises(ApiError, match="still busy"):
        list(read_segments([partial(endless, 0), failing, partial(endless, 2)]))
    assert sorted(closed) == [0, 2]
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("segment-")]


class ScanningDynamoDB:
    """Scan of a table of ``segments`` x ``pages`` pages, recording every call's parameters."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def scan(self, **params: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(params)
        segment = params.get("Segment", 0)
        number = int(params.get("ExclusiveStartKey", {"n": {"N": "-1"}})["n"]["N"]) + 1
        response: dict[str, Any] = {"Items": [{"PK": {"S": f"{segment}-{number}"}}]}
        if number + 1 < self.pages:
            response["LastEvaluatedKey"] = {"n": {"N": str(number)}}
        return response


def test_a_direct_scan_of_an_index_pages_each_segment_on_its_own_key() -> None:
    dynamodb = ScanningDynamoDB(pages=2)
    pages = list(scan_pages(dynamodb, "shop", segments=2, page_size=10, consistent=False, index="GSI1"))
    assert [page[0]["PK"]["S"] for page in pages] == ["0-0", "1-0", "0-1", "1-1"]
    first = {"TableName": "shop", "ConsistentRead": False, "IndexName": "GSI1", "Limit": 10, "TotalSegments": 2}
    assert sorted(dynamodb.calls, key=lambda call: (call["Segment"], "ExclusiveStartKey" in call)) == [
        {**first, "Segment": 0},
        {**first, "Segment": 0, "ExclusiveStartKey": {"n": {"N": "0"}}},
        {**first, "Segment": 1},
        {**first, "Segment": 1, "ExclusiveStartKey": {"n": {"N": "0"}}},
    ]


class ListingClient(ApiClient):
    """The RPC ``list`` of a table of ``pages`` pages per segment; records each request and each closed connection."""

    def __init__(self, pages: int) -> None:
        super().__init__("http://127.0.0.1:9", item_format="dynamodb")
        self.page_count = pages
        self.bodies: list[Any] = []
        self.closed: set[str] = set()
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: Any = None, **_: Any) -> Reply:
        assert (method, path) == ("POST", "/dynamodbmanager")
        with self._lock:
            self.bodies.append(json.loads(json.dumps(body)))
        payload = body["payload"]
        segment = payload.get("Segment", 0)
        number = int(payload.get("ExclusiveStartKey", {"PK": {"S": "-1"}})["PK"]["S"]) + 1
        answer: dict[str, Any] = {"Items": [{"PK": {"S": f"{segment}-{number}"}, "SK": {"S": "x"}}]}
        if number + 1 < self.page_count:
            answer["LastEvaluatedKey"] = {"PK": {"S": str(number)}}
        return Reply(200, {}, json.dumps(answer))

    def close(self) -> None:
        with self._lock:
            self.closed.add(threading.current_thread().name)


def test_through_the_api_each_segment_pages_the_rpc_list_on_its_own_worker_and_connection() -> None:
    client = ListingClient(pages=2)
    pages = list(api_pages(client, 25, segments=3, index="open-orders"))
    assert [page[0]["PK"]["S"] for page in pages] == ["0-0", "1-0", "2-0", "0-1", "1-1", "2-1"]
    assert client.closed == {"segment-0", "segment-1", "segment-2"}
    first = {"operation": "list", "format": "dynamodb"}
    payloads = sorted(
        (body["payload"] for body in client.bodies), key=lambda p: (p["Segment"], "ExclusiveStartKey" in p)
    )
    assert all(body.items() >= first.items() for body in client.bodies)
    assert payloads[:2] == [
        {"Limit": 25, "IndexName": "open-orders", "Segment": 0, "TotalSegments": 3},
        {
            "Limit": 25,
            "IndexName": "open-orders",
            "Segment": 0,
            "TotalSegments": 3,
            "ExclusiveStartKey": {"PK": {"S": "0"}},
        },
    ]


def test_an_index_without_segments_is_one_rpc_list_scan() -> None:
    client = ListingClient(pages=1)
    assert len(list(api_pages(client, 5, index="GSI1"))) == 1
    assert client.bodies == [{"operation": "list", "payload": {"Limit": 5, "IndexName": "GSI1"}, "format": "dynamodb"}]


def test_an_export_orders_attributes_by_the_shape_it_is_given(tmp_path: Path) -> None:
    client = ListingClient(pages=1)
    target = tmp_path / "out.jsonl"
    progress = Progress("export", io.StringIO(), enabled=False)
    summary = export_items(api_pages(client, 5, segments=2), str(target), "jsonl", progress, shape=SINGLE_TABLE)
    assert summary.items == 2
    assert target.read_text() == '{"PK":"0-0","SK":"x"}\n{"PK":"1-0","SK":"x"}\n'


def test_the_shape_comes_back_from_the_apis_table_design() -> None:
    design = json.loads(json.dumps(table_design("shop", SINGLE_TABLE)))
    assert from_design(design) == SINGLE_TABLE
    with pytest.raises(UnknownDesign, match="key must list one or two key attributes"):
        from_design({"name": "shop", "key": []})
    with pytest.raises(LookupError, match="no index 'nope'; its indexes: GSI1, by-created, open-orders"):
        index_of(SINGLE_TABLE, "nope")


@pytest.mark.parametrize("segments", ["0", "65"])
def test_segments_out_of_range_are_a_usage_error(segments: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--to", "-", "--segments", segments, "--no-progress"]) == 2
    assert "--segments must be from 1 to 64" in capsys.readouterr().err


# The files an export writes: private, created afresh, never written through a link planted at their names.

VICTIM = "the victim's own data\n"
ITEMS: Page = [{"id": {"S": "a"}, "n": {"N": "1"}}, {"id": {"S": "b"}, "n": {"N": "-5"}}]


def plant_link(at: Path, victim: Path) -> None:
    """A symbolic link at ``at`` to ``victim``, as another user of a shared folder could leave one."""
    victim.write_text(VICTIM)
    at.symlink_to(victim)


def private_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (not a link) that only its owner can read and write."""
    return path.is_file() and not path.is_symlink() and (path.lstat().st_mode & 0o777) == 0o600


def failing_pages(pages: list[Page]) -> Generator[Page, None, None]:
    """``pages``, then the failure of a server that stops answering."""
    yield from pages
    raise ApiError(503, "Busy", "still busy after its retries")


def quiet() -> Progress:
    return Progress("export", io.StringIO(), enabled=False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "dynamodb-json"])
@pytest.mark.parametrize("planted", ["out.partial", "out"])
def test_a_link_at_the_partial_or_final_name_is_replaced_not_written_through(
    tmp_path: Path, fmt: str, planted: str
) -> None:
    target = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    plant_link(tmp_path / planted, victim)
    export_items([ITEMS], str(target), fmt, quiet(), shape=DEFAULT_SHAPE)
    assert victim.read_text() == VICTIM
    assert private_file(target)
    assert "b" in target.read_text()
    assert not (tmp_path / "out.partial").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "victim.txt"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "dynamodb-json"])
def test_a_failed_export_leaves_what_it_read_in_a_private_partial_file_not_in_a_linked_one(
    tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / "out"
    partial = tmp_path / "out.partial"
    victim = tmp_path / "victim.txt"
    plant_link(partial, victim)
    with pytest.raises(ApiError, match="still busy"):
        export_items(failing_pages([ITEMS]), str(target), fmt, quiet(), shape=DEFAULT_SHAPE)
    assert victim.read_text() == VICTIM
    assert not target.exists()
    assert private_file(partial)
    assert partial.read_text().count("b") == 1, "the items read before the failure are in FILE.partial"


def test_a_stale_partial_file_from_an_earlier_run_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text("left by a failed run\n")
    export_items([ITEMS[:1]], str(target), "jsonl", quiet(), shape=DEFAULT_SHAPE)
    assert target.read_text() == '{"id":"a","n":1}\n'
    assert private_file(target)


def fake_source(monkeypatch: pytest.MonkeyPatch, pages: Any) -> None:
    """Make ``export`` read ``pages`` of a table keyed by ``id`` instead of asking an API."""
    from dynamodbmanager.cli import data

    source = data._Source(DEFAULT_SHAPE, pages, None, None)
    monkeypatch.setattr(data, "_api_source", lambda args, segments: source)


def test_the_cli_reports_a_partial_name_it_cannot_take_instead_of_writing_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_source(monkeypatch, [ITEMS])
    (tmp_path / "out.jsonl.partial").mkdir()
    assert main(["export", "--to", str(tmp_path / "out.jsonl"), "--no-progress"]) == 2
    assert f"export stopped: {tmp_path / 'out.jsonl.partial'}: " in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


FORMULA_ITEMS: Page = [{"id": {"S": "=1+1"}, "f": {"S": '=HYPERLINK("http://x","y")'}, "n": {"N": "-5"}}]


def test_a_csv_export_quotes_formulas_unless_csv_raw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_source(monkeypatch, [FORMULA_ITEMS])
    assert main(["export", "--to", str(tmp_path / "safe.csv"), "--no-progress"]) == 0
    assert main(["export", "--to", str(tmp_path / "raw.csv"), "--no-progress", "--csv-raw"]) == 0
    assert (tmp_path / "safe.csv").read_text() == 'id,f,n\n\'=1+1,"\'=HYPERLINK(""http://x"",""y"")",-5\n'
    assert (tmp_path / "raw.csv").read_text() == 'id,f,n\n=1+1,"=HYPERLINK(""http://x"",""y"")",-5\n'
    assert private_file(tmp_path / "safe.csv")
    assert "exported 1 items" in capsys.readouterr().err


def test_csv_raw_is_documented_in_the_help_of_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("export", "import"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--csv-raw" in capsys.readouterr().out
