"""Test helpers for widgets: what the browser receives, and the fetch channel without one."""

from __future__ import annotations

from typing import Any


def synced(widget: Any, name: str) -> Any:
    """The trait ``name`` as it is sent to the browser (wire-encoded by its serializer)."""
    return widget.get_state(name)[name]


def put_buffers(state: Any, paths: list, buffers: list) -> Any:
    for path, buf in zip(paths, buffers, strict=True):
        obj = state
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = bytes(buf)
    return state


def fetch(widget: Any, what: str, seq: int = 1, **args: Any) -> dict[str, Any]:
    """Send one fetch request as the view would; return the reply with its buffers put back."""
    sent: list[tuple[dict, list]] = []
    original = widget.send
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    try:
        widget._on_custom(widget, {"type": "xai-fetch", "seq": seq, "what": what,
                                   "args": args}, [])
    finally:
        widget.send = original
    assert len(sent) == 1, sent
    content, buffers = sent[0]
    if "block" in content:
        put_buffers(content["block"], content.pop("buffer_paths"), buffers)
    return content
