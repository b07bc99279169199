"""The items table: DynamoDB calls with the service's version kept on every write and errors translated.

Each write is one conditional call in the common case; a concurrent writer costs a retry, never a lost
update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamodbmanager.errors import (
    BadRequest,
    Conflict,
    DependencyFailed,
    NotFound,
    NotImplementedByBackend,
    PreconditionFailed,
    ServiceUnavailable,
)
from dynamodbmanager.schema import DEFAULT_SHAPE, VERSION_ATTRIBUTE, TableShape
from dynamodbmanager.store import expressions
from dynamodbmanager.store.failures import DynamoDBError, DynamoDBUnreachable
from dynamodbmanager.store.keys import Keys

#: Attempts of a write that races other writers before the caller is told to retry.
MAX_WRITE_ATTEMPTS = 5

_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)

TypedItem = dict[str, dict[str, Any]]


class ConditionFailed(Exception):
    """A conditional write found the item in another state; ``old_item`` is that state (typed) or None."""

    def __init__(self, old_item: TypedItem | None) -> None:
        super().__init__("The conditional request failed")
        self.old_item = old_item


class TransactionCanceled(Exception):
    """DynamoDB cancelled a transaction; ``reasons`` are its CancellationReasons, one per action."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__("The transaction was cancelled")
        self.reasons = reasons


def translate_client_error(exc: DynamoDBError) -> Exception:
    """The service error a DynamoDB error means for the caller."""
    code = exc.code
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(exc.response.get("Item"))
    if code == "ValidationException":
        message = exc.message or "invalid parameters"
        # A set operator given a list: the caller's plain JSON could not say "set".
        lowered = message.lower()
        hint = expressions.SETS_HINT if "operand" in lowered and "type" in lowered else ""
        return BadRequest(f"DynamoDB refused the request: {message}{hint}")
    if code in _RETRYABLE_CODES:
        return ServiceUnavailable("DynamoDB is busy; retry after the delay in Retry-After.", code="Throttled")
    if code == "ResourceNotFoundException":
        return ServiceUnavailable("The table is not available.", code="TableUnavailable", retry_after=30)
    if code == "TransactionCanceledException":
        return TransactionCanceled(exc.response.get("CancellationReasons") or [])
    if code == "UnknownOperationException":
        return NotImplementedByBackend("The DynamoDB behind this service does not offer this operation.")
    return DependencyFailed(f"DynamoDB failed with {code or 'an unknown error'}.")


#: The largest version the service reads as one of its own: 18 digits fit an entity tag and any int.
_MAX_VERSION_DIGITS = 18


def version_of(item: Mapping[str, Any] | None) -> int | None:
    """The version of a typed item, None when absent; 0 when it holds no version of the service's own.

    An item that another writer made has no ``_version``, or one of another type (``{"S": "abc"}``) or value:
    it is version 0, and the service's first write makes it version 1.
    """
    if item is None:
        return None
    typed = item.get(VERSION_ATTRIBUTE)
    text = typed.get("N") if isinstance(typed, dict) else None
    if not isinstance(text, str) or not text.isdigit() or len(text) > _MAX_VERSION_DIGITS:
        return 0
    return int(text)


def version_condition(
    expected: int, names: dict[str, str], values: dict[str, Any], key_name: str = DEFAULT_SHAPE.partition.name
) -> str:
    """The condition that the stored item is at version ``expected``, adding the placeholders it uses.

    Version 0 is an existing item without a version of the service's own (no ``_version``, or one that is not
    a positive number): ``If-Match: "0"`` must hold on every item the service reports as ``ETag: "0"``.
    """
    names[expressions.VERSION_NAME] = VERSION_ATTRIBUTE
    if expected:
        values[expressions.EXPECTED_VALUE] = {"N": str(expected)}
        return f"{expressions.VERSION_NAME} = {expressions.EXPECTED_VALUE}"
    names[expressions.KEY_NAME] = key_name
    values[expressions.NUMBER_TYPE_VALUE] = {"S": "N"}
    values[expressions.ONE_VALUE] = {"N": "1"}
    return (
        f"attribute_exists({expressions.KEY_NAME}) AND NOT (attribute_type({expressions.VERSION_NAME}, "
        f"{expressions.NUMBER_TYPE_VALUE}) AND {expressions.VERSION_NAME} >= {expressions.ONE_VALUE})"
    )


class ItemTable:
    """The one table the function serves, over a low-level DynamoDB client, with the key schema of ``shape``."""

    def __init__(self, client: Any, table_name: str, shape: TableShape = DEFAULT_SHAPE) -> None:
        self._client = client
        self.table_name = table_name
        self.shape = shape
        self.keys = Keys(shape)
        self._partition_name = shape.partition.name

    @property
    def client(self) -> Any:
        """The DynamoDB client, shared with what keeps other tables (idempotency records)."""
        return self._client

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One DynamoDB call on this table with its errors translated; ``ResponseMetadata`` dropped."""
        return self.send(operation, TableName=self.table_name, **params)

    def send(self, operation: str, **params: Any) -> dict[str, Any]:
        """One DynamoDB call as given (batches and transactions name their tables themselves), errors translated."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**params)
        except DynamoDBError as exc:
            error = translate_client_error(exc)
            if (
                isinstance(error, ConditionFailed)
                and error.old_item is None
                and "ReturnValuesOnConditionCheckFailure" in params
            ):
                # dynalite ignores ReturnValuesOnConditionCheckFailure: read the item, so a version mismatch is
                # still told apart from a missing item (on DynamoDB this costs a read only when it is missing).
                error.old_item = self._current(params)
            raise error from None
        except DynamoDBUnreachable:
            raise ServiceUnavailable("DynamoDB could not be reached in time.", code="Unreachable") from None
        response.pop("ResponseMetadata", None)
        # Never asked for; some emulators send it anyway.
        response.pop("ConsumedCapacity", None)
        return response

    def _current(self, params: dict[str, Any]) -> TypedItem | None:
        """The typed item a failed conditional write was about, read consistently; None when absent."""
        key = params.get("Key") or {name: params["Item"][name] for name in self.shape.key_names}
        item: TypedItem | None = self.call("get_item", Key=key, ConsistentRead=True).get("Item")
        return item

    def put_versioned(
        self,
        item: TypedItem,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
        must_be_new: bool = False,
        return_values: str | None = None,
    ) -> tuple[dict[str, Any], int]:
        """Put ``item`` as the next version of its key, also checking the caller's ``condition``.

        With ``expected_version`` the write happens only over that version (412 otherwise); without it
        the first attempt assumes a new item, and a race with another writer is retried on the version
        DynamoDB reports; with ``must_be_new`` an existing item is a 409. Returns DynamoDB's response and
        the version written.
        """
        believed: int | None = expected_version
        for _ in range(MAX_WRITE_ATTEMPTS):
            all_names: dict[str, str] = {**(names or {})}
            all_values: dict[str, Any] = {**(values or {})}
            if believed is None:
                all_names[expressions.KEY_NAME] = self._partition_name
                own = f"attribute_not_exists({expressions.KEY_NAME})"
            else:
                own = version_condition(believed, all_names, all_values, self._partition_name)
            params: dict[str, Any] = {
                "Item": {**item, VERSION_ATTRIBUTE: {"N": str((believed or 0) + 1)}},
                "ConditionExpression": f"({condition}) AND {own}" if condition else own,
                "ExpressionAttributeNames": all_names,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
            if all_values:
                params["ExpressionAttributeValues"] = all_values
            if return_values:
                params["ReturnValues"] = return_values
            try:
                return self.call("put_item", **params), (believed or 0) + 1
            except ConditionFailed as failed:
                current = version_of(failed.old_item)
                if expected_version is not None:
                    if current != expected_version:
                        raise PreconditionFailed(_mismatch(current, expected_version)) from None
                    raise Conflict("The condition of the request does not hold.") from None
                if must_be_new or current == believed:
                    raise Conflict("The condition of the request does not hold.") from None
                # Another writer got there first (or the item existed): try again over what it wrote.
                believed = current
        raise Conflict("The item kept changing under concurrent writes; retry.", code="ConcurrentModification")

    def update_versioned(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateItem with the version bump added to the caller's expression (typed parameters).

        An item whose ``_version`` another writer made of another type cannot take the bump: DynamoDB refuses
        it, and the update is made again with the version set to 1 on that condition.
        """
        try:
            return self._update(params, reset_version=False)
        except BadRequest:
            current = self.call("get_item", Key=params["Key"], ConsistentRead=True).get("Item")
            foreign = (current or {}).get(VERSION_ATTRIBUTE)
            if foreign is None or "N" in foreign:
                raise
            return self._update(params, reset_version=True)

    def _update(self, params: dict[str, Any], *, reset_version: bool) -> dict[str, Any]:
        expression, names, values = expressions.with_version_increment(params["UpdateExpression"], reset_version)
        params = {
            **params,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {**params.get("ExpressionAttributeNames", {}), **names},
            "ExpressionAttributeValues": {**params.get("ExpressionAttributeValues", {}), **values},
        }
        if reset_version:
            params["ExpressionAttributeValues"][expressions.NUMBER_TYPE_VALUE] = {"S": "N"}
            own = f"NOT attribute_type({expressions.VERSION_NAME}, {expressions.NUMBER_TYPE_VALUE})"
            condition = params.get("ConditionExpression")
            params["ConditionExpression"] = f"({condition}) AND {own}" if condition else own
        try:
            return self.call("update_item", **params)
        except ConditionFailed:
            raise Conflict("The condition of the request does not hold.") from None

    def get(self, key: TypedItem) -> TypedItem | None:
        """The typed item with ``key`` (a strongly consistent read), or None."""
        item: TypedItem | None = self.call("get_item", Key=key, ConsistentRead=True).get("Item")
        return item

    def create(self, item: TypedItem) -> TypedItem:
        """Store a new typed item (version 1); 409 when its key is taken, whatever the item there holds."""
        try:
            _, version = self.put_versioned(item, must_be_new=True)
        except Conflict:
            raise Conflict(f"An item with {self.keys.describe(item)} exists already.", code="ItemExists") from None
        return {**item, VERSION_ATTRIBUTE: {"N": str(version)}}

    def replace(
        self, item: TypedItem, *, expected_version: int | None = None, only_if_absent: bool = False
    ) -> tuple[TypedItem, bool]:
        """Create or replace a typed item; returns it as stored and whether it was created."""
        if only_if_absent:
            return self.create(item), True
        response, version = self.put_versioned(item, expected_version=expected_version, return_values="ALL_OLD")
        return {**item, VERSION_ATTRIBUTE: {"N": str(version)}}, "Attributes" not in response

    def delete(self, key: TypedItem, *, expected_version: int | None = None) -> None:
        """Delete an item; 404 when absent, 412 when ``expected_version`` is not its version."""
        names = {expressions.KEY_NAME: self._partition_name}
        values: dict[str, Any] = {}
        condition = f"attribute_exists({expressions.KEY_NAME})"
        if expected_version is not None:
            condition += " AND " + version_condition(expected_version, names, values, self._partition_name)
        params: dict[str, Any] = {
            "Key": key,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            params["ExpressionAttributeValues"] = values
        try:
            self.call("delete_item", **params)
        except ConditionFailed as failed:
            if failed.old_item is None:
                raise NotFound(f"No item has {self.keys.describe(key)}.") from None
            raise PreconditionFailed(_mismatch(version_of(failed.old_item), expected_version)) from None

    def scan_page(self, limit: int, start_key: TypedItem | None) -> tuple[list[TypedItem], TypedItem | None]:
        """One page of at most ``limit`` typed items and the typed key to continue from, if any."""
        params: dict[str, Any] = {"Limit": limit}
        if start_key is not None:
            params["ExclusiveStartKey"] = start_key
        response = self.call("scan", **params)
        return response.get("Items", []), response.get("LastEvaluatedKey")


def _mismatch(current: int | None, expected: int | None) -> str:
    if current is None:
        return "The item does not exist, so it cannot match If-Match."
    return f'The item is at version "{current}", not "{expected}"; fetch it again and retry.'
