"""Retries with backoff, for the API and DynamoDB calls of the data tools: a busy service is waited for."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from dynamodbmanager.client import ApiError, Unreachable

#: Attempts of one API call while the API is unavailable or busy.
MAX_API_ATTEMPTS = 6
#: Statuses worth another attempt: the service is busy, restarting, or lost a race with another writer.
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
#: First and largest pause, in seconds, between two attempts; each pause doubles, with jitter.
BACKOFF_BASE = 0.05
BACKOFF_MAX = 5.0

T = TypeVar("T")


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential with full jitter, capped."""
    return random.uniform(0, min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt))  # noqa: S311 - jitter, not security


def retried(call: Callable[[], T], attempts: int = MAX_API_ATTEMPTS) -> T:
    """``call()``, again after a pause while the API answers a retryable status or cannot be reached."""
    for attempt in range(attempts):
        try:
            return call()
        except ApiError as exc:
            if exc.status not in RETRYABLE_STATUSES or attempt + 1 == attempts:
                raise
        except Unreachable:
            if attempt + 1 == attempts:
                raise
        time.sleep(backoff(attempt + 2))
    raise AssertionError("attempts must be at least 1")
