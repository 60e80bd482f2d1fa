"""Results built by hand (numpy only: no model, no estimator), one module per view.

Each module defines

* ``VIEW``: the view class;
* ``OPTIONS``: display options passed to it (may be empty);
* ``result()``: a result of the view's type, built from literal arrays, deterministic.

``tests/test_views_from_results.py`` builds every view from its result alone, checks the
save -> open -> view round trip, and writes each view's exported state as the fixture that
vitest renders (``js/test/fixtures/<module>.json``), so the two sides cannot drift.
"""

import importlib
import pkgutil
from types import ModuleType


def modules() -> dict[str, ModuleType]:
    """Every hand-result module by name."""
    return {m.name: importlib.import_module(f"{__name__}.{m.name}")
            for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
