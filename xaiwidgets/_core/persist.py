"""The one file format of saved estimators: a checksummed, versioned, weights-only container.

A file is ``torch.save({"format", "version", "sha256", "body"})``: ``body`` is the pickled
payload as a uint8 tensor and ``sha256`` its digest. :func:`read` checks, in order and each with
an error naming the path: that the file can be read at all (empty, truncated and random files
are refused), that it is an xaiwidgets file, that its format version is not newer than this
xaiwidgets knows, and that the body's digest matches (a corrupted body is refused before it is
unpickled). The body is then unpickled with ``torch.load(weights_only=True)``: only classes of
xaiwidgets, ``torch.nn``, scikit-learn and numpy (and numpy's and scikit-learn's own reconstruction
helpers) may be named in it, plus the classes a caller allows with ``safe_globals``; any other
callable (``os.system``, ``builtins.eval``...) is refused before anything runs.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.serialization import get_unsafe_globals_in_checkpoint, safe_globals

__all__ = ["FORMAT", "FORMAT_VERSION", "model_digest", "read", "write"]

FORMAT = "xaiwidgets-estimator"
#: 1: the payload pickled directly (no digest); 2: the checksummed container.
FORMAT_VERSION = 2

_CLASS_PACKAGES = ("xaiwidgets", "torch", "sklearn", "numpy")
# Functions (not classes) that numpy's and sklearn's objects pickle themselves with.
_HELPERS = {
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
}


def model_digest(model: nn.Module) -> str:
    """sha256 of a model's parameters and buffers (names, dtypes, shapes and values): what
    ``load`` compares to tell the fitted weights from others of the same architecture."""
    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        t = t.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def write(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` in the checksummed container."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    body = buf.getvalue()
    path = Path(path)
    torch.save({"format": FORMAT, "version": FORMAT_VERSION,
                "sha256": hashlib.sha256(body).hexdigest(),
                "body": torch.frombuffer(bytearray(body), dtype=torch.uint8)}, path)
    return path


def _resolve(name: str, extra: dict[str, Any]) -> Any:
    """The object a pickled global names, when it is allowed; else None (never imports)."""
    import importlib
    import sys

    if name in extra:
        return extra[name]
    module, _, attr = name.rpartition(".")
    if module.split(".")[0] not in _CLASS_PACKAGES:
        return None
    allowed_helper = name in _HELPERS or (module.startswith("sklearn.") and attr == "newObj")
    # only modules of these packages are imported, and xaiwidgets / sklearn ones must already
    # be importable by name; importing them runs no code from the file
    try:
        mod = sys.modules.get(module) or importlib.import_module(module)
        obj = getattr(mod, attr)
    except (ImportError, AttributeError):
        return None
    if allowed_helper:
        return obj
    if not isinstance(obj, type) or issubclass(obj, np.memmap):
        return None  # classes only (and no memory-mapped files)
    if module.split(".")[0] == "torch" and not module.startswith("torch.nn."):
        return None  # torch's own tensors and containers load without naming a class
    return obj


class _Refused(ValueError):
    """A readable file naming globals that are not allowed."""


def _unpickle(data: bytes, where: str, safe: Sequence[Any]) -> Any:
    extra = {f"{o.__module__}.{o.__qualname__}": o for o in safe}
    needed = get_unsafe_globals_in_checkpoint(io.BytesIO(data))
    allowed: list[Any] = []
    refused: list[str] = []
    for name in needed:
        obj = _resolve(name, extra)
        if obj is None:
            refused.append(name)
        else:
            allowed.append(obj)
    if refused:
        raise _Refused(
            f"argument 'path': {where} names {sorted(refused)[:5]}, which are neither classes of "
            "xaiwidgets, torch.nn, scikit-learn or numpy nor allowed with safe_globals=[...]; "
            "refusing to unpickle it. If the file is yours and holds your own classes (e.g. a "
            "custom mask generator), pass them: load(path, ..., safe_globals=[MyGenerator])")
    # numpy's dtype classes are built, not named, in a pickle: the scan above misses them
    allowed += [c for c in vars(np.dtypes).values() if isinstance(c, type)]
    with safe_globals(allowed):
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def read(path: str | Path, safe: Sequence[Any] = ()) -> dict[str, Any]:
    """The payload :func:`write` stored at ``path`` (see the module docstring for the checks)."""
    path = Path(path)
    where = repr(str(path))
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(f"argument 'path': cannot read {where} ({err.strerror or err})") from err
    if not data:
        raise ValueError(f"argument 'path': {where} is empty (0 bytes), not a saved xaiwidgets "
                         "estimator")
    try:
        outer = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # torch / pickle / zipfile raise many types for a bad file
        try:  # a version-1 file pickled the payload directly
            outer = _unpickle(data, where, safe)
        except _Refused:
            raise
        except Exception:
            raise ValueError(
                f"argument 'path': {where} ({len(data)} bytes) is not a readable saved "
                f"xaiwidgets estimator: truncated, corrupted or another kind of file "
                f"({type(err).__name__}: {str(err)[:120]})") from err
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise ValueError(f"argument 'path': {where} is not a saved xaiwidgets estimator")
    version = outer.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        from .._version import __version__

        raise ValueError(
            f"argument 'path': {where} has format version {version!r}, newer than the versions "
            f"this xaiwidgets {__version__} reads (up to {FORMAT_VERSION}); upgrade xaiwidgets "
            "to load it")
    if version < 2:
        return outer
    body = outer.get("body")
    if not isinstance(body, torch.Tensor) or body.dtype != torch.uint8:
        raise ValueError(f"argument 'path': {where} is damaged (no payload)")
    raw = body.numpy().tobytes()
    if hashlib.sha256(raw).hexdigest() != outer.get("sha256"):
        raise ValueError(f"argument 'path': {where} is corrupted: the checksum (sha256) of its "
                         "payload does not match the one stored when it was saved")
    payload = _unpickle(raw, where, safe)
    if not isinstance(payload, dict):
        raise ValueError(f"argument 'path': {where} is not a saved xaiwidgets estimator")
    return payload
