"""griffe extension: the docstrings' Sphinx roles (:func:`x`, :class:`~a.B`, :meth:`C.m`...)
as links of the API reference.

mkdocstrings renders docstrings as Markdown, where a role would show up verbatim. Each role
becomes an *optional* mkdocs-autorefs reference: a link where the target is documented, plain
code where it is not (a private helper, a third-party name), never a broken link. The target
is resolved in the scope of the documented object, as Sphinx would.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|data|exc|obj|const):`(~?)([^`<>]+)`")


def _resolve(obj: griffe.Object, target: str) -> str:
    head, _, rest = target.lstrip(".").partition(".")
    try:
        base = obj.resolve(head)
    except (griffe.NameResolutionError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return target
    return f"{base}.{rest}" if rest else base


def _rewrite(obj: griffe.Object) -> None:
    doc = obj.docstring
    if doc is not None and ":" in doc.value:
        def repl(m: re.Match[str]) -> str:
            short, target = m.group(1), m.group(2).strip()
            title = target.rsplit(".", 1)[-1] if short else target
            ident = _resolve(obj, target)
            return f'<autoref identifier="{ident}" optional><code>{title}</code></autoref>'

        doc.value = ROLE.sub(repl, doc.value)
    for member in obj.members.values():
        if not member.is_alias:
            _rewrite(member)  # ty: ignore


class SphinxRoles(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _rewrite(pkg)
