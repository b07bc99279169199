"""Entity tags for item versions, and the ``If-Match``/``If-None-Match`` headers that carry them back."""

from __future__ import annotations

import re

from dynamodbmanager.errors import BadRequest

#: ``If-Match: *`` — any current version, as long as the item exists.
ANY = "*"
_ENTITY_TAG = re.compile(r'^(?:W/)?"([\x21\x23-\x7e]*)"$')


def etag(version: int) -> str:
    """The strong entity tag of an item version: ``"3"``."""
    return f'"{version}"'


def parse_etags(header: str, name: str, *, weak: bool = False) -> str | set[int]:
    """``*`` or the versions named by a list of entity tags; a malformed header is a 400.

    A well-formed tag that is no version of ours (``"abc"``) is kept out of the set, so it never matches.
    RFC 9110 compares ``If-Match`` strongly, so a weak tag (``W/"3"``) matches nothing there; ``If-None-Match``
    compares weakly (``weak=True``), so ``W/"3"`` names version 3.
    """
    value = header.strip()
    if value == ANY:
        return ANY
    versions: set[int] = set()
    for part in value.split(","):
        found = _ENTITY_TAG.match(part.strip())
        if found is None:
            raise BadRequest(
                f'{name} must be "*" or a list of entity tags such as "3" (quoted), as sent in ETag.',
                code="InvalidPrecondition",
            )
        is_weak = part.strip().startswith("W/")
        if found.group(1).isdigit() and len(found.group(1)) <= 18 and (weak or not is_weak):
            versions.add(int(found.group(1)))
    return versions
