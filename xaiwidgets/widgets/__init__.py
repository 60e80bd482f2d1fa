"""Views: widgets that draw a method's result (``View(result)``, ``View.from_estimator(...)``,
``View.from_model(...)``)."""

from ._charts import InterventionChart
from .comparison import ComparisonView
from .link import Link, link
from .masks import MaskView
from .overview import DatasetOverview
from .redescriptions import RedescriptionView
from .relevance import SENNView
from .timeline import TimelineView
from .tree import ConceptTreeView

__all__ = ["ComparisonView", "ConceptTreeView", "DatasetOverview", "InterventionChart", "Link",
           "MaskView", "RedescriptionView", "SENNView", "TimelineView", "link"]
