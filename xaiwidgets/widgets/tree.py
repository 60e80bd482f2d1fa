"""ConceptTreeWidget: an interactive concept tree (CME) linked to a layer x concept heatmap."""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t

from .._static import display_image, png_data_uri
from .._validation import as_tensor, check_labels
from .._wire import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    array_from_wire,
    array_to_wire,
    payload_nbytes,
    quantize,
    warn_payload,
)
from ..concepts._labels import check_concepts, format_value
from ..concepts._tree import ConceptTree
from ._base import XaiWidget

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
    tree = t.Dict().tag(sync=True)
    samples = t.Dict().tag(sync=True)
    accuracy = t.Dict().tag(sync=True)
    summary = t.Dict().tag(sync=True)
    thumbs = t.Dict().tag(sync=True)
    request = t.Dict().tag(sync=True)
    fetched = t.Dict().tag(sync=True)
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
        if not isinstance(tree, ConceptTree) or not hasattr(tree, "estimator_"):
            raise TypeError("argument 'tree': expected a fitted ConceptTree, got "
                            f"{type(tree).__name__}" + (
                                " that is not fitted" if isinstance(tree, ConceptTree) else ""))
        for name, value, low in (("collapse_depth", collapse_depth, 0),
                                 ("n_thumbnails", n_thumbnails, 0),
                                 ("embed_per_node", embed_per_node, 0),
                                 ("thumb_size", thumb_size, 4)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"argument '{name}': expected an integer >= {low}, got {value!r}")
        images = as_tensor(X, "X")
        n = len(images)
        concepts = check_concepts(concepts, n, n_from="X")
        missing = [k for k in tree.concept_names_ if k not in concepts]
        if missing:
            raise ValueError(f"argument 'concepts': missing concepts {missing}; the tree uses "
                             f"{tree.concept_names_}")
        model_pred = check_labels(model_pred, n, "model_pred")
        y = None if y_true is None else check_labels(y_true, n, "y_true")
        if not -1 <= selected < n:
            raise ValueError(f"argument 'selected': expected a sample index in [-1, {n}), got "
                             f"{selected}")
        self.concept_tree = tree
        self.images = images
        self._thumb_size = int(thumb_size)
        self._image_kind = images.ndim == 4

        # Classes: every label the tree, the model or the truth uses, by sorted label.
        parts = [np.asarray(tree.classes_), model_pred] + ([y] if y is not None else [])
        labels = np.unique(np.concatenate([np.asarray(p).astype(tree.classes_.dtype)
                                           for p in parts]))
        names = [self._class_name(lab, class_names) for lab in labels]

        def code(a: np.ndarray) -> np.ndarray:
            return np.searchsorted(labels, np.asarray(a).astype(labels.dtype)).astype(np.int32)

        nodes = tree.nodes()
        encoded = tree.encoder_.transform({k: concepts[k] for k in tree.concept_names_})
        path = tree.estimator_.decision_path(encoded).tocsc()  # (N, M) 0/1
        leaf = tree.estimator_.apply(encoded)
        tree_pred = tree.estimator_.predict(encoded)
        count = np.asarray(path.sum(axis=0)).ravel()
        onehot = np.zeros((n, len(labels)))
        onehot[np.arange(n), code(model_pred)] = 1
        dist = np.asarray(path.T @ onehot)
        agree = (tree_pred == model_pred).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            fidelity = np.asarray(path.T @ agree).ravel() / count
            accuracy = (np.asarray(path.T @ (tree_pred == y).astype(np.float64)).ravel() / count
                        if y is not None else None)
        tree_state: dict[str, Any] = {
            "yes": array_to_wire(nodes["yes"].astype(np.int32)),
            "no": array_to_wire(nodes["no"].astype(np.int32)),
            "concept": array_to_wire(nodes["concept"].astype(np.int32)),
            "test": list(nodes["test"]),
            "value": array_to_wire(code(tree.classes_[nodes["value"]])),
            "count": array_to_wire(count.astype(np.int32)),
            "dist": array_to_wire(dist.astype(np.int32)),
            "fidelity": array_to_wire(fidelity.astype(np.float32)),
            "n_train": array_to_wire(nodes["n_train"].astype(np.int32)),
        }
        if accuracy is not None:
            tree_state["accuracy"] = array_to_wire(accuracy.astype(np.float32))
        value_tables = [np.unique(concepts[k]) for k in tree.concept_names_]
        concept_codes = np.stack([np.searchsorted(v, concepts[k]) for v, k in
                                  zip(value_tables, tree.concept_names_, strict=True)], axis=1)
        samples: dict[str, Any] = {
            "n": n,
            "leaf": array_to_wire(leaf.astype(np.int32)),
            "model_pred": array_to_wire(code(model_pred)),
            "tree_pred": array_to_wire(code(tree_pred)),
            "concepts": array_to_wire(concept_codes.astype(np.int32)),
        }
        if y is not None:
            samples["target"] = array_to_wire(code(y))
        summary = {"n": n, "depth": tree.depth_, "n_leaves": tree.n_leaves_,
                   "fidelity": float(agree.mean()),
                   "accuracy": None if y is None else float(np.mean(tree_pred == y)),
                   "model_accuracy": None if y is None else float(np.mean(model_pred == y))}
        self._path = path
        self._fidelity = fidelity
        self._count = count
        self._nodes = nodes
        self._names = names
        thumbs = self._embedded(path, embed_per_node, max_payload_bytes)
        super().__init__(
            title=title, concept_names=list(tree.concept_names_),
            concept_values=[[format_value(v) for v in vt] for vt in value_tables],
            class_names=names, tree=tree_state, samples=samples,
            accuracy=self._accuracy_state(extractor, tree.concept_names_), summary=summary,
            thumbs=thumbs, selected=int(selected), collapse_depth=int(collapse_depth),
            # Only (N, C, H, W) images have thumbnails; other inputs show none (nothing to fetch).
            n_thumbnails=int(n_thumbnails) if self._image_kind else 0,
        )
        self.observe(self._on_request, names=["request"])

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
    def _class_name(label: Any, class_names: Sequence[str] | None) -> str:
        if class_names is not None and isinstance(label, (numbers.Integral, np.integer)):
            if not 0 <= int(label) < len(class_names):
                raise ValueError(f"argument 'class_names': expected a name for class {label}, got "
                                 f"{len(class_names)} names")
            return str(class_names[int(label)])
        return format_value(label)

    @staticmethod
    def _accuracy_state(extractor: Any, concept_names: list[str]) -> dict[str, Any]:
        if extractor is None:
            return {}
        if not hasattr(extractor, "accuracy_"):
            raise TypeError("argument 'extractor': expected a fitted ConceptExtractor")
        cols = [extractor.concept_names_.index(k) for k in concept_names
                if k in extractor.concept_names_]
        names = [extractor.concept_names_[j] for j in cols]
        values = extractor.accuracy_[:, cols]
        best = [extractor.layers_.index(extractor.best_layer_[k]) for k in names]
        return {"layers": list(extractor.layers_), "concepts": names,
                "values": array_to_wire(values.astype(np.float32)),
                "best": array_to_wire(np.asarray(best, dtype=np.int32))}

    # -- thumbnails ------------------------------------------------------------------------
    def node_samples(self, node: int, limit: int | None = None) -> np.ndarray:
        """Indices of the shown samples reaching ``node``, in data order."""
        col = self._path.getcol(node)
        idx = np.sort(col.indices)
        return idx if limit is None else idx[:limit]

    def _thumb_block(self, idx: np.ndarray) -> dict[str, Any]:
        block: dict[str, Any] = {"index": array_to_wire(idx.astype(np.int32))}
        if self._image_kind and len(idx):
            x = self.images[torch.from_numpy(idx)].detach().cpu().float().numpy()
            img = display_image(x, self._thumb_size).transpose(0, 2, 3, 1)
            block["images"] = quantize(img, signed=False)
        return block

    def _embedded(self, path: Any, per_node: int, cap: int) -> dict[str, Any]:
        if not self._image_kind or per_node == 0:
            return self._thumb_block(np.zeros(0, dtype=np.int64))
        per = [np.sort(path.getcol(i).indices)[:per_node] for i in range(path.shape[1])]
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

    def _on_request(self, change: dict[str, Any]) -> None:
        req = change["new"] or {}
        raw = req.get("indices") or []
        n = len(self.images)
        idx = np.array(sorted({int(i) for i in raw if isinstance(i, (int, float))
                               and 0 <= int(i) < n}), dtype=np.int64)[:MAX_REQUEST]
        block = self._thumb_block(idx)
        block["seq"] = int(req.get("seq", 0))
        self.fetched = block

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
            cnt = int(self._count[i])
            fid = "" if cnt == 0 else f", fidelity {100 * self._fidelity[i]:.0f}%"
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
        return int(array_from_wire(self.tree["value"])[node])

    def _static_accuracy(self) -> str:
        acc = self.accuracy
        values = array_from_wire(acc["values"])
        best = array_from_wire(acc["best"])
        head = "".join(f"<th>{html.escape(c)}</th>" for c in acc["concepts"])
        rows = []
        for i, layer in enumerate(acc["layers"]):
            cells = "".join(
                f"<td{' style=font-weight:700' if best[j] == i else ''}>{values[i, j]:.2f}</td>"
                for j in range(values.shape[1]))
            rows.append(f"<tr><th>{html.escape(layer)}</th>{cells}</tr>")
        return ("<table><caption>cross-validated concept accuracy per layer (bold: chosen)"
                f"</caption><tr><th>layer</th>{head}</tr>{''.join(rows)}</table>")
