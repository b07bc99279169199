"""Fixtures that run a contract's tests on both local DynamoDB backends; import them into the test module."""

from __future__ import annotations

import pytest

from tests.conftest import RunningStack


@pytest.fixture(params=["moto", "dynalite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The DynamoDB behind the stack: moto in memory, or dynalite on disk (``local --data-dir``)."""
    return str(request.param)


@pytest.fixture
def stack(backend: str, stack: RunningStack, request: pytest.FixtureRequest) -> RunningStack:
    """The session-long stack of the backend, so every test of the importing module runs on both."""
    if backend == "moto":
        return stack
    on_disk: RunningStack = request.getfixturevalue("dynalite_stack")
    return on_disk


#: The two fixtures, for a test module to bind at its top level (pytest finds fixtures by module attribute).
BACKEND, STACK = backend, stack
