"""Text shown to people: characters that a terminal or a page would obey, or hide, shown escaped instead."""

from __future__ import annotations

import unicodedata

#: Unicode categories shown escaped: controls (C0, DEL, C1), format characters (bidirectional controls, zero-width
#: marks), lone surrogates, and line and paragraph separators. None of them has a glyph of its own.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    """One hidden character as Python writes it in a literal: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, format or separator character escaped, so a terminal shows it and obeys none.

    Escape sequences (ESC, CSI, OSC) could retitle the window, clear the screen or write the clipboard, and
    bidirectional controls could make one id read as another; everything printable is kept as it is.
    """
    if text.isprintable():  # nothing printable is hidden: the common case costs one scan
        return text
    return "".join(_escape(char) if unicodedata.category(char) in HIDDEN_CATEGORIES else char for char in text)
