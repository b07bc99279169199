"""Fixtures that run a contract's tests on both local DynamoDB backends and both DynamoDB clients of the function.

Import them into the test module. Every test runs four times: moto or dynalite behind the stack, and the
function's lean client (the default) or botocore's (``DYNAMODB_CLIENT=botocore``), so a difference between
the clients, or between the emulators, shows at once.
"""

from __future__ import annotations

import pytest

from tests.conftest import RunningStack

#: The stack fixture of each (backend, client) pair.
_STACKS = {
    ("moto", "lean"): "stack",
    ("moto", "botocore"): "botocore_stack",
    ("dynalite", "lean"): "dynalite_stack",
    ("dynalite", "botocore"): "botocore_dynalite_stack",
}


@pytest.fixture(params=list(_STACKS), ids=[f"{backend}-{client}" for backend, client in _STACKS])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The DynamoDB behind the stack (moto in memory, or dynalite on disk) and the function's client."""
    backend_name, client = request.param
    return str(backend_name), str(client)


@pytest.fixture
def stack(backend: tuple[str, str], stack: RunningStack, request: pytest.FixtureRequest) -> RunningStack:
    """The session-long stack of the backend and client, so every test of the importing module runs on each."""
    if backend == ("moto", "lean"):
        return stack
    running: RunningStack = request.getfixturevalue(_STACKS[backend])
    return running


#: The two fixtures, for a test module to bind at its top level (pytest finds fixtures by module attribute).
BACKEND, STACK = backend, stack
