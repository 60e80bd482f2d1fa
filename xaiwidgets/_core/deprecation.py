"""Names renamed in a release keep working for one more release, with a FutureWarning.

One decorator for renamed keywords and one descriptor for renamed attributes, so every
deprecation in the package says the same thing in the same words.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_GOES = "is deprecated and will be removed in the next release"


def renamed_keywords(**renames: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Accept each previous keyword name ``old="new"`` for one more release.

    A call with ``old=`` warns (FutureWarning, pointing at the caller) and is passed on as
    ``new=``; a call with both is refused with a TypeError naming both.

    Examples
    --------
    >>> @renamed_keywords(sequences="X")
    ... def predict(X=None):
    ...     return X
    """
    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        where = f"{fn.__qualname__.replace('.__init__', '')}()"
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in renames.items():
                if old in kwargs:
                    given = new in kwargs or new in signature.bind_partial(*args).arguments
                    if given:
                        raise TypeError(f"{where}: pass '{new}' only ('{old}' is its deprecated "
                                        "name)")
                    warnings.warn(f"{where}: argument '{old}' {_GOES}; use '{new}'",
                                  FutureWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)
        return inner
    return wrap


class renamed_attribute:  # lower case: used like `property`
    """A read-only attribute renamed to ``new``: reading the old name warns and returns the new.

    Examples
    --------
    >>> class Result:
    ...     y_pred = 1
    ...     pred = renamed_attribute("y_pred")
    """

    def __init__(self, new: str) -> None:
        self.new = new
        self.__doc__ = f"Deprecated name of :attr:`{new}` (removed in the next release)."

    def __set_name__(self, owner: type, name: str) -> None:
        self.old = f"{owner.__name__}.{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        warnings.warn(f"{self.old} {_GOES}; use {self.new}", FutureWarning, stacklevel=2)
        return getattr(obj, self.new)
