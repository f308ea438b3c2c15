"""A griffe extension for the API reference: reST markup in docstrings read as Markdown.

gadget's docstrings name code with reST roles (``:class:`~gadget.errors.ConfigError```,
``:meth:`open```) and introduce examples with ``::``. Markdown has neither: a
role becomes a code span of its target (the last dotted part when the target
starts with ``~``), and a paragraph's closing ``::`` a single colon (the
indented block after it already reads as code). Used by mkdocs.yml's
mkdocstrings options; the source files are not changed.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")
_LITERAL = re.compile(r"(?<=\S)::(?=\n\n)|^::\n\n", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target.lstrip('.')}`"


def rst_to_markdown(text: str) -> str:
    """``text`` with reST roles as code spans and ``::`` markers as colons."""
    text = _ROLE.sub(_role, text)
    return _LITERAL.sub(lambda m: ":" if m.group(0) == "::" else "\n\n", text)


class RstRoles(griffe.Extension):
    """Rewrite each object's docstring when it is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
