"""ConceptTreeWidget: an interactive concept tree (CME) linked to a layer x concept heatmap."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t

from .._core.labels import check_concepts
from .._core.rules import format_value
from .._core.validation import as_tensor, check_class_names, check_int, check_labels, describe
from ..concepts.extract import ConceptExtractor
from ..concepts.tree import ConceptTree
from ._base import XaiWidget
from ._html import display_image, png_data_uri
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES, Heatmap, payload_nbytes, warn_payload, wire_trait

__all__ = ["ConceptTreeWidget"]

# The most thumbnails one request may ask for: keeps one kernel answer small.
MAX_REQUEST = 256


class ConceptTreeWidget(XaiWidget):
    """A concept tree drawn as SVG, with the layer x concept accuracy heatmap next to it.

    Nodes show their test in words (``shape = heart``, ``scale <= 0.7``), how many of the shown
    samples reach them and the class distribution of the model's predictions there. Collapse,
    pan/zoom, hover and path highlighting run in the browser; clicking a node shows thumbnails of
    the samples reaching it (fetched from the kernel when not embedded) and the tree's fidelity
    there. Build it with :meth:`from_estimator`.

    Parameters
    ----------
    tree : ConceptTree
        A fitted tree.
    X : tensor or array
        The samples shown (e.g. held-out images, (N, C, H, W)); thumbnails are cut from images
        (other inputs get none).
    concepts : dict of str to array-like of shape (N,)
        Concepts of ``X`` as the tree sees them (predicted ones).
    model_pred : array-like of shape (N,)
        The model's predictions for ``X``.
    y_true : array-like of shape (N,), optional
        True labels (adds accuracy per node).
    extractor : ConceptExtractor, optional
        Adds the layer x concept accuracy heatmap.
    class_names : sequence of str, optional
        Names of the model's classes, indexed by class label.
    title : str
    collapse_depth : int, default=3
        Nodes deeper than this start collapsed (expand them in the view).
    n_thumbnails : int, default=12
        Thumbnails shown per node.
    embed_per_node : int, default=4
        Thumbnails per node embedded in the state (all an offline export can show).
    thumb_size : int, default=64
        Longer side of a thumbnail in pixels (larger images are area-downsampled).
    max_payload_bytes : int, default=8 MiB
    """

    _bundle = "tree.js"

    title = t.Unicode("").tag(sync=True)
    concept_names = t.List(t.Unicode()).tag(sync=True)
    concept_values = t.List(t.List(t.Unicode())).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    tree = wire_trait()
    samples = wire_trait()
    accuracy = wire_trait()
    summary = t.Dict().tag(sync=True)
    thumbs = wire_trait()
    selected = t.Int(-1).tag(sync=True)
    collapse_depth = t.Int(3).tag(sync=True)
    n_thumbnails = t.Int(12).tag(sync=True)

    def __init__(
        self,
        tree: ConceptTree,
        X: Any,
        concepts: Mapping[str, Any],
        model_pred: Any,
        *,
        y_true: Any = None,
        extractor: Any = None,
        class_names: Sequence[str] | None = None,
        title: str = "Concept tree",
        collapse_depth: int = 3,
        n_thumbnails: int = 12,
        embed_per_node: int = 4,
        thumb_size: int = 64,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        selected: int = -1,
    ) -> None:
        if not isinstance(tree, ConceptTree):
            raise TypeError(f"argument 'tree': expected a fitted ConceptTree, got "
                            f"{describe(tree)}")
        tree._check_fitted("a ConceptTreeWidget")
        for name, value, low in (("collapse_depth", collapse_depth, 0),
                                 ("n_thumbnails", n_thumbnails, 0),
                                 ("embed_per_node", embed_per_node, 0),
                                 ("thumb_size", thumb_size, 4),
                                 ("max_payload_bytes", max_payload_bytes, 1)):
            check_int(value, name, low=low)
        images = as_tensor(X, "X")
        n = len(images)
        concepts = check_concepts(concepts, n, n_from="X")
        missing = [k for k in tree.concept_names_ if k not in concepts]
        if missing:
            raise ValueError(f"argument 'concepts': missing concepts {missing}; the tree uses "
                             f"{tree.concept_names_}")
        check_int(selected, "selected", low=-1, high=n - 1)
        self.concept_tree = tree
        self.images = images
        self._thumb_size = int(thumb_size)
        self._image_kind = images.ndim == 4

        stats = tree.node_statistics(concepts, model_pred, y_true=y_true)
        labels = stats.classes
        names = self._class_names(labels, class_names)
        model_pred = check_labels(model_pred, n, "model_pred")
        y = None if y_true is None else check_labels(y_true, n, "y_true")

        def code(a: np.ndarray) -> np.ndarray:
            return np.searchsorted(labels, np.asarray(a).astype(labels.dtype)).astype(np.int32)

        nodes = tree.nodes()
        tree_state: dict[str, Any] = {
            "yes": nodes["yes"].astype(np.int32),
            "no": nodes["no"].astype(np.int32),
            "concept": nodes["concept"].astype(np.int32),
            "test": list(nodes["test"]),
            "value": code(tree.classes_[nodes["value"]]),
            "count": stats.count.astype(np.int32),
            "dist": stats.dist.astype(np.int32),
            "fidelity": stats.fidelity.astype(np.float32),
            "n_train": nodes["n_train"].astype(np.int32),
        }
        if stats.accuracy is not None:
            tree_state["accuracy"] = stats.accuracy.astype(np.float32)
        value_tables = [np.unique(concepts[k]) for k in tree.concept_names_]
        concept_codes = np.stack([np.searchsorted(v, concepts[k]) for v, k in
                                  zip(value_tables, tree.concept_names_, strict=True)], axis=1)
        samples: dict[str, Any] = {
            "n": n,
            "leaf": stats.leaf.astype(np.int32),
            "model_pred": code(model_pred),
            "tree_pred": code(stats.tree_pred),
            "concepts": concept_codes.astype(np.int32),
        }
        if y is not None:
            samples["target"] = code(y)
        agree = stats.tree_pred == model_pred
        summary = {"n": n, "depth": tree.depth_, "n_leaves": tree.n_leaves_,
                   "fidelity": float(agree.mean()),
                   "accuracy": None if y is None else float(np.mean(stats.tree_pred == y)),
                   "model_accuracy": None if y is None else float(np.mean(model_pred == y))}
        self.stats = stats
        self._nodes = nodes
        self._names = names
        thumbs = self._embedded(embed_per_node, max_payload_bytes)
        super().__init__(
            title=title, concept_names=list(tree.concept_names_),
            concept_values=[[format_value(v) for v in vt] for vt in value_tables],
            class_names=names, tree=tree_state, samples=samples,
            accuracy=self._accuracy_state(extractor, tree.concept_names_), summary=summary,
            thumbs=thumbs, selected=int(selected), collapse_depth=int(collapse_depth),
            # Only (N, C, H, W) images have thumbnails; other inputs show none (nothing to fetch).
            n_thumbnails=int(n_thumbnails) if self._image_kind else 0,
        )

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_estimator(
        cls,
        tree: ConceptTree,
        X: Any,
        *,
        extractor: Any = None,
        concepts: Mapping[str, Any] | None = None,
        model_pred: Any = None,
        y_true: Any = None,
        **kwargs: Any,
    ) -> ConceptTreeWidget:
        """Build the view from a fitted :class:`ConceptTree` and the samples to show.

        Concepts and model predictions not given are computed with
        ``extractor.predict_concepts(X, return_predictions=True)`` (one pass over ``X``).
        ``kwargs`` go to the constructor (``class_names``, ``title``, ``collapse_depth``, ...).
        """
        if concepts is None or model_pred is None:
            if extractor is None:
                raise ValueError("argument 'extractor': needed to predict the concepts and model "
                                 "predictions of X; or pass both 'concepts' and 'model_pred'")
            pred_c, pred_m = extractor.predict_concepts(X, return_predictions=True)
            concepts = pred_c if concepts is None else concepts
            model_pred = pred_m if model_pred is None else model_pred
        return cls(tree, X, concepts, model_pred, y_true=y_true, extractor=extractor, **kwargs)

    @staticmethod
    def _class_names(labels: np.ndarray, class_names: Any) -> list[str]:
        """Display names of the sorted class labels (integer labels index ``class_names``)."""
        if class_names is None or labels.dtype.kind not in "iu":
            return [format_value(v) for v in labels]
        if len(labels) and labels.min() < 0:
            raise ValueError(f"argument 'class_names': class labels must be >= 0 to be named, got "
                             f"{int(labels.min())}")
        table = check_class_names(class_names, int(labels.max()) + 1 if len(labels) else 0)
        return [table[int(v)] for v in labels]

    @staticmethod
    def _accuracy_state(extractor: Any, concept_names: list[str]) -> dict[str, Any]:
        if extractor is None:
            return {}
        if not isinstance(extractor, ConceptExtractor):
            raise TypeError(f"argument 'extractor': expected a fitted ConceptExtractor, got "
                            f"{describe(extractor)}")
        extractor._check_fitted("a ConceptTreeWidget")
        cols = [extractor.concept_names_.index(k) for k in concept_names
                if k in extractor.concept_names_]
        names = [extractor.concept_names_[j] for j in cols]
        values = extractor.accuracy_[:, cols]
        best = [extractor.layers_.index(extractor.best_layer_[k]) for k in names]
        return {"layers": list(extractor.layers_), "concepts": names,
                "values": values.astype(np.float32),
                "best": np.asarray(best, dtype=np.int32)}

    # -- thumbnails ------------------------------------------------------------------------
    def node_samples(self, node: int, limit: int | None = None) -> np.ndarray:
        """Indices of the shown samples reaching ``node``, in data order."""
        return self.stats.node_samples(node, limit)

    def _thumb_block(self, idx: np.ndarray) -> dict[str, Any]:
        block: dict[str, Any] = {"index": idx.astype(np.int32)}
        if self._image_kind and len(idx):
            x = self.images[torch.from_numpy(idx)].detach().cpu().float().numpy()
            img = display_image(x, self._thumb_size).transpose(0, 2, 3, 1)
            block["images"] = Heatmap(img, signed=False)
        return block

    def _embedded(self, per_node: int, cap: int) -> dict[str, Any]:
        if not self._image_kind or per_node == 0:
            return self._thumb_block(np.zeros(0, dtype=np.int64))
        n_nodes = self.stats.path.shape[1]
        per = [self.stats.node_samples(i, per_node) for i in range(n_nodes)]
        chosen = np.unique(np.concatenate(per)) if per else np.zeros(0, dtype=np.int64)
        one = payload_nbytes(self._thumb_block(chosen[:1])) if len(chosen) else 0
        keep = len(chosen) if one == 0 else int(min(len(chosen), cap // one))
        if keep < len(chosen):
            warn_payload(type(self).__name__, one * len(chosen), cap, keep, len(chosen))
            # Shallow nodes first: they are what a reader opens first.
            first: dict[int, None] = {}
            for i in np.argsort(self._nodes["depth"], kind="stable"):
                first.update(dict.fromkeys(per[i].tolist()))
            chosen = np.sort(np.array(list(first)[:keep], dtype=np.int64))
        return self._thumb_block(chosen)

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``what="thumbs"``, ``args={"indices": [...]}``: thumbnails of those samples (at most
        :data:`MAX_REQUEST`; out-of-range and non-integer indices are dropped)."""
        if what != "thumbs":
            return super()._fetch(what, args)
        raw = args.get("indices") or []
        n = len(self.images)
        idx = np.array(sorted({int(i) for i in raw if isinstance(i, (int, float))
                               and not isinstance(i, bool) and 0 <= int(i) < n}),
                       dtype=np.int64)[:MAX_REQUEST]
        return self._thumb_block(idx)

    # -- static fallback -------------------------------------------------------------------
    def _static_html(self) -> str:
        nodes = self._nodes
        s = self.summary
        parts = [f"<div class='xai-static'><h4>{html.escape(self.title)}</h4>",
                 f"<p>{s['n']} samples · depth {s['depth']} · {s['n_leaves']} leaves · "
                 f"fidelity to the model {100 * s['fidelity']:.1f}%"
                 + (f" · accuracy {100 * s['accuracy']:.1f}%" if s["accuracy"] is not None else "")
                 + "</p>"]

        def walk(i: int, depth: int) -> str:
            cnt = int(self.stats.count[i])
            fid = "" if cnt == 0 else f", fidelity {100 * self.stats.fidelity[i]:.0f}%"
            pred = html.escape(self._names[self.tree_value(i)])
            if nodes["yes"][i] == -1:
                return f"<li>→ {pred} (n={cnt}{fid})</li>"
            test = html.escape(nodes["test"][i])
            if depth >= 6:
                return f"<li>{test}? … (n={cnt})</li>"
            return (f"<li>{test}? (n={cnt}{fid})<ul>"
                    f"<li>yes<ul>{walk(int(nodes['yes'][i]), depth + 1)}</ul></li>"
                    f"<li>no<ul>{walk(int(nodes['no'][i]), depth + 1)}</ul></li></ul></li>")

        parts.append(f"<ul>{walk(0, 0)}</ul>")
        if self.accuracy:
            parts.append(self._static_accuracy())
        if self._image_kind and len(self.images):
            first = self.node_samples(0, 6)
            imgs = []
            for i in first:
                x = display_image(self.images[int(i):int(i) + 1].float().numpy(), 64)[0]
                g = x.transpose(1, 2, 0)
                lo, hi = g.min(), g.max()
                g = ((g - lo) / ((hi - lo) or 1) * 255).astype(np.uint8)
                g = g[..., 0] if g.shape[-1] == 1 else g
                imgs.append(f"<img src='{png_data_uri(g, size=64)}' alt='sample {int(i)}'>")
            parts.append(f"<div style='display:flex;gap:4px'>{''.join(imgs)}</div>")
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def tree_value(self, node: int) -> int:
        """Index (into ``class_names``) of the class a node predicts."""
        return int(self.tree["value"][node])

    def _static_accuracy(self) -> str:
        acc = self.accuracy
        values = acc["values"]
        best = acc["best"]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in acc["concepts"])
        rows = []
        for i, layer in enumerate(acc["layers"]):
            cells = "".join(
                f"<td{' style=font-weight:700' if best[j] == i else ''}>{values[i, j]:.2f}</td>"
                for j in range(values.shape[1]))
            rows.append(f"<tr><th>{html.escape(layer)}</th>{cells}</tr>")
        return ("<table><caption>cross-validated concept accuracy per layer (bold: chosen)"
                f"</caption><tr><th>layer</th>{head}</tr>{''.join(rows)}</table>")
