"""The one estimator contract (scikit-learn's), and persistence without the user's model.

Every fitted object derives from :class:`XaiEstimator`: ``__init__`` stores its arguments as
given, ``fit`` returns self and leaves learned state in attributes ending in ``_``,
``get_params`` / ``set_params`` / ``repr`` / :func:`sklearn.base.clone` work, and using an
unfitted estimator raises :class:`sklearn.exceptions.NotFittedError`.

Parameters are checked declaratively, at the start of ``fit``: ``_parameter_constraints`` maps
every parameter name to a check of :mod:`xaiwidgets._core.validation` called as
``check(value, name)`` (e.g. ``partial(check_int, low=1)``), whose errors name the argument, what
was expected and what was given; checks across parameters go in ``_check_param_relations``.

A model-bound explainer takes the model first in ``__init__``. Cloning keeps that model (and any
submodule of it, such as a ``layer``) by reference: ``clone`` never copies the user's model.
``save`` writes the fitted state (generators, probes, trees) but never the model; ``load``
re-binds it to a model given by the caller, after checking that its parameters and buffers have
the same names, shapes, dtypes and values (a sha256 digest) as those of the model when it was
saved. The file format (:mod:`xaiwidgets._core.persist`) is checksummed, versioned and read
with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from torch import nn

from . import persist
from .validation import check_model, describe

__all__ = ["Constraints", "XaiEstimator", "model_signature"]

E = TypeVar("E", bound="XaiEstimator")
#: Parameter name -> its check, called as ``check(value, name)``.
Constraints = dict[str, Callable[[Any, str], Any]]


def model_signature(model: nn.Module) -> list[tuple[str, tuple[int, ...], str]]:
    """Names, shapes and dtypes of a model's parameters and buffers (what ``load`` compares)."""
    return [(k, tuple(v.shape), str(v.dtype).replace("torch.", ""))
            for k, v in model.state_dict().items()]


def _submodule_name(value: Any, model: Any) -> str | None:
    if isinstance(value, nn.Module) and isinstance(model, nn.Module):
        for name, m in model.named_modules():
            if m is value:
                return name
    return None


def _short(value: Any) -> str:
    if isinstance(value, nn.Module):
        return f"{type(value).__name__}(...)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class XaiEstimator(BaseEstimator):
    """Base of every xaiwidgets estimator (see the module docstring)."""

    #: Every ``__init__`` parameter -> its check, called as ``check(value, name)``.
    _parameter_constraints: ClassVar[Constraints] = {}

    def _check_params(self) -> None:
        """Check every parameter against its constraint, then the cross-parameter checks."""
        params = self.get_params(deep=False)
        for name, check in self._parameter_constraints.items():
            check(params[name], name)
        self._check_param_relations()

    def _validate_params(self) -> None:
        # sklearn's name for the same step; its own reading of _parameter_constraints expects
        # sklearn's constraint objects, ours are validation.py checks
        self._check_params()

    def _check_param_relations(self) -> None:
        """Checks involving several parameters (subclasses); each parameter alone is valid."""

    # -- contract helpers ------------------------------------------------------------------
    def _check_fitted(self, what: str = "this") -> None:
        fitted = [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]
        if not fitted:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(...) before {what} "
                "(or load a saved one with {0}.load(path{1}))".format(
                    type(self).__name__, ", model=model" if self._bound_model() else ""))

    def _forget_fit(self) -> None:
        """Drop every fitted attribute, so that a failed refit never leaves a half-updated
        estimator that looks fitted."""
        for k in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, k)

    @contextlib.contextmanager
    def _fitting(self) -> Iterator[None]:
        """Around the body of ``fit``: the previous fit is forgotten first, and whatever the
        body set is forgotten again if it raises (so a failed fit is never half fitted)."""
        self._forget_fit()
        try:
            yield
        except BaseException:
            self._forget_fit()
            raise

    def _bound_model(self) -> nn.Module | None:
        model = self.get_params(deep=False).get("model")
        return model if isinstance(model, nn.Module) else None

    def _rebind(self) -> None:
        """After :meth:`load`: restore private references into the model (subclasses)."""

    # -- clone and repr --------------------------------------------------------------------
    def __sklearn_clone__(self: E) -> E:
        params = self.get_params(deep=False)
        model = params.get("model")
        copied = {k: v if k == "model" or _submodule_name(v, model) is not None
                  else clone(v, safe=False) for k, v in params.items()}
        return type(self)(**copied)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        # sklearn's repr prints a module's full architecture; show it by class name, and only
        # the parameters that differ from their defaults (plus the model).
        params = self.get_params(deep=False)
        defaults = {k: p.default for k, p in inspect.signature(type(self).__init__)
                    .parameters.items()}
        shown = []
        for k, v in params.items():
            d = defaults.get(k, inspect.Parameter.empty)
            same = d is not inspect.Parameter.empty and type(d) is type(v) and (
                d is v or (not isinstance(v, (np.ndarray, nn.Module, torch.Tensor)) and d == v))
            if k == "model" or not same:
                shown.append(f"{k}={_short(v)}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        # The short repr, not sklearn's HTML diagram (which would print the whole model).
        return {"text/plain": repr(self)}

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted estimator to ``path`` (never the user's model).

        The file holds the parameters, the fitted attributes, the model's parameter signature
        (names, shapes, dtypes) and a sha256 digest of its weights, never the weights
        themselves; a sha256 of the stored payload and a format version guard the file itself
        (see :meth:`load`). Custom modules (e.g. your own mask generator) are stored by
        reference to their class, which must be importable, and allowed with
        ``safe_globals=``, when loading.

        Returns
        -------
        Path
        """
        self._check_fitted("save()")
        params = self.get_params(deep=False)
        model = params.pop("model", None)
        stored: dict[str, Any] = {}
        for k, v in params.items():
            sub = _submodule_name(v, model)
            stored[k] = ("__submodule__", sub) if sub is not None else v
        fitted = {k: v for k, v in vars(self).items()
                  if k.endswith("_") and not k.startswith("_")}
        payload = {
            "format": persist.FORMAT, "version": persist.FORMAT_VERSION,
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "params": stored, "fitted": fitted,
            "model": model_signature(model) if isinstance(model, nn.Module) else None,
            "model_sha256": persist.model_digest(model) if isinstance(model, nn.Module) else None,
        }
        return persist.write(path, payload)

    @classmethod
    def load(cls: type[E], path: str | Path, model: nn.Module | None = None, *,
             safe_globals: Sequence[type] = ()) -> E:
        """Read an estimator written by :meth:`save`, re-bound to ``model``.

        What ``load`` guarantees, each failure a ``ValueError`` (``TypeError`` for the wrong
        class) naming the argument:

        * the file is a complete xaiwidgets estimator: empty, truncated, random and foreign
          files are refused, and so is a payload whose sha256 differs from the one stored at
          save time (corruption);
        * its format version is one this xaiwidgets reads (a newer one is refused, not guessed);
        * nothing outside xaiwidgets, ``torch.nn``, scikit-learn and numpy classes (and
          ``safe_globals``) is unpickled: the file is read with ``torch.load(weights_only=True)``;
        * the estimator's class is ``cls``;
        * ``model`` has the parameters and buffers (names, shapes, dtypes) and the weights (a
          sha256 of their values) the model had when the estimator was saved, so the loaded
          explanations are those of the same model.

        Parameters
        ----------
        path : str or Path
        model : nn.Module, optional
            Required for estimators that explain a model: the model the estimator was fitted
            on (never saved with it).
        safe_globals : sequence of classes, optional
            Your own classes stored in the file (e.g. a custom mask generator), allowed to be
            unpickled.
        """
        if isinstance(safe_globals, (str, bytes)) or not all(
                isinstance(c, type) for c in safe_globals):
            raise TypeError(f"argument 'safe_globals': expected a list of classes, got "
                            f"{describe(safe_globals)}")
        payload = persist.read(path, safe_globals)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if payload.get("class") != name:
            raise TypeError(f"argument 'path': the file holds a {payload.get('class')}, not a "
                            f"{name}; load it with that class")
        params = dict(payload["params"])
        if payload["model"] is not None:
            if model is None:
                raise ValueError(f"argument 'model': a {cls.__name__} explains a model, which is "
                                 "never saved with it; pass the model it was fitted on, "
                                 f"{cls.__name__}.load(path, model=model)")
            check_model(model)
            want, got = payload["model"], model_signature(model)
            if want != got:
                diff = next((f"{w} vs {g}" for w, g in zip(want, got, strict=False) if w != g),
                            f"{len(want)} vs {len(got)} tensors")
                raise ValueError(f"argument 'model': not the architecture this {cls.__name__} "
                                 f"was fitted on (parameter names / shapes / dtypes differ: "
                                 f"{diff})")
            digest = payload.get("model_sha256")
            if digest is not None and digest != persist.model_digest(model):
                raise ValueError(f"argument 'model': the architecture this {cls.__name__} was "
                                 "fitted on, but not the same weights (their sha256 differs "
                                 "from the one saved); pass the model as it was when saved, or "
                                 "refit the explainer on this one")
            modules = dict(model.named_modules())
            for k, v in params.items():
                if isinstance(v, tuple) and len(v) == 2 and v[0] == "__submodule__":
                    params[k] = modules[v[1]]
            params["model"] = model
        elif model is not None:
            raise ValueError(f"argument 'model': a {cls.__name__} is fitted without a model, got "
                             f"{describe(model)}")
        est = cls(**params)
        for k, v in payload["fitted"].items():
            setattr(est, k, v)
        est._rebind()
        return est
