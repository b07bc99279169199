"""Routes: a method and a path template to a handler; 404 for an unknown path, 405 with Allow otherwise."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

from dynamodbmanager.errors import BadRequest, MethodNotAllowed, NotFound

Handler = TypeVar("Handler")
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Match(Generic[Handler]):
    """The handler a request resolved to, with its route template and path parameters."""

    handler: Handler
    template: str
    params: dict[str, str]


class Router(Generic[Handler]):
    """An ordered table of ``(method, template) -> handler``; ``HEAD`` is served by the ``GET`` route."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], dict[str, Handler]]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``template`` (e.g. ``/items/{id}``)."""
        for known, _, handlers in self._routes:
            if known == template:
                handlers[method] = handler
                return
        pattern = re.compile("^" + _PARAMETER.sub(r"(?P<\1>[^/]+)", template) + "$")
        self._routes.append((template, pattern, {method: handler}))

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, template, handler)
            return handler

        return register

    def allowed(self, path: str) -> tuple[str, ...] | None:
        """The methods ``path`` answers to (for ``Allow`` and CORS preflight), None for an unknown path."""
        for _, pattern, handlers in self._routes:
            if pattern.match(path):
                methods = set(handlers) | {"OPTIONS"} | ({"HEAD"} if "GET" in handlers else set())
                return tuple(sorted(methods))
        return None

    def resolve(self, method: str, path: str) -> Match[Handler]:
        """The handler for ``method`` on ``path``; raises 404 or 405."""
        for template, pattern, handlers in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            handler = handlers.get("GET" if method == "HEAD" else method)
            if handler is None:
                allow = self.allowed(path) or ()
                raise MethodNotAllowed(f"{path} does not accept {method}; it accepts {', '.join(allow)}.", allow=allow)
            params = {name: unquote(value) for name, value in found.groupdict().items()}
            for name, value in params.items():
                if value in (".", "..") or "/" in value:
                    raise BadRequest(f"The path parameter '{name}' is not a valid id.", code="InvalidPath")
            return Match(handler, template, params)
        raise NotFound(f"No route matches {path}.", code="RouteNotFound")
