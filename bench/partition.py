"""What a partition query reads, against a Scan of the same items, on a table of 10,000 items.

A single-table design (``examples/single-table.json``) is seeded with 100 partitions of 100 items straight
into the server; then one partition is read by Query and the same 100 items by a Scan with a filter, as a
client without Query would. DynamoDB bills reads by the items read (ScannedCount), not by those returned.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.report import Row
from bench.tables import preferred_server
from dynamodbmanager.schema import create_table_parameters, load_definition

SECTION = "partition"
DESIGN = Path(__file__).resolve().parent.parent / "examples" / "single-table.json"


def _seed(client: Any, table: str, partitions: int, per_partition: int) -> None:
    """Write ``partitions`` x ``per_partition`` items, 25 per BatchWriteItem."""
    batch: list[dict[str, Any]] = []
    for partition in range(partitions):
        for index in range(per_partition):
            item = {"PK": {"S": f"CUSTOMER#{partition:04d}"}, "SK": {"S": f"ORDER#{index:05d}"}, "n": {"N": "1"}}
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == 25:
                pending: dict[str, Any] = {table: batch}
                while pending:
                    pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                batch = []


def _read_all(call: Any, params: dict[str, Any]) -> tuple[int, int, float]:
    """Items returned, items read (ScannedCount) and seconds, following LastEvaluatedKey to the end."""
    returned = scanned = 0
    started = time.perf_counter()
    while True:
        page = call(**params)
        returned += page["Count"]
        scanned += page["ScannedCount"]
        if "LastEvaluatedKey" not in page:
            return returned, scanned, time.perf_counter() - started
        params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def measure(workdir: Path, *, partitions: int = 100, per_partition: int = 100) -> tuple[list[Row], Any]:
    """The read cost and time of one partition by Query and by Scan."""
    with preferred_server(workdir) as (server, name):
        client = server.client("dynamodb")
        table = "partition_bench"
        client.create_table(**create_table_parameters(load_definition(DESIGN), table))
        _seed(client, table, partitions, per_partition)
        partition = {":p": {"S": f"CUSTOMER#{partitions // 2:04d}"}}
        query = _read_all(
            client.query,
            {"TableName": table, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": partition},
        )
        scan = _read_all(
            client.scan, {"TableName": table, "FilterExpression": "PK = :p", "ExpressionAttributeValues": partition}
        )
    total = partitions * per_partition
    rows = [
        Row(
            SECTION,
            f"items read for one partition of {per_partition} in {total:,} ({name}): Query vs Scan",
            f"{query[1]:,}",
            f"{scan[1]:,}",
            query[1] / scan[1],
        ),
        Row(
            SECTION,
            f"seconds to read it ({name}): Query vs Scan",
            f"{query[2]:.3f}",
            f"{scan[2]:.3f}",
            query[2] / scan[2],
        ),
    ]
    assert query[0] == scan[0] == per_partition, (query, scan)
    return rows, {"query": query, "scan": scan, "server": name}
