"""Characters that must not reach a page as they are: NUL and the other control
characters, which browsers drop or replace silently, and the bidirectional formatting
characters, which reorder what follows them (U+202E turns `exe.txt` into what reads as
`txt.exe`). A page shows each as a visible escape, `[U+202E]`, so that what a release
says is what a reader sees. Applied to every value a template writes (Jinja's finalize)."""

from __future__ import annotations

import re

from markupsafe import Markup

HIDDEN = (
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]  # C0, DEL, C1
    + [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # bidi
    + [0xFFFE, 0xFFFF]  # noncharacters
)
ESCAPES = {code: f"[U+{code:04X}]" for code in HIDDEN}
# Whether a text holds any: a search is ~50 times faster than a translate over the same text
# (a table page writes ~60 KB), and a text almost never holds one.
ANY_HIDDEN = re.compile("[" + "".join(re.escape(chr(code)) for code in HIDDEN) + "]")


def visible(value):
    """The value with every hidden character escaped; other values as they are."""
    if not isinstance(value, str) or ANY_HIDDEN.search(value) is None:
        return value
    if isinstance(value, Markup):
        return Markup(str.translate(value, ESCAPES))
    return value.translate(ESCAPES)
