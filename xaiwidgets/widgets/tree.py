"""ConceptTreeView: an interactive concept tree (CME) linked to a layer x concept heatmap.

The view draws a :class:`~xaiwidgets.ConceptTreeResult` (:meth:`ConceptTree.explain`) and
computes nothing a user could not get without it: it only encodes the result for the wire
(class and concept codes, quantised thumbnails) and draws the static snapshot.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import traitlets as t

from .._core.deprecation import renamed_keywords
from .._core.rules import format_value
from .._core.validation import check_class_names, check_int, check_option, describe
from ..concepts.result import ConceptTreeResult
from ..concepts.tree import ConceptTree
from ._base import XaiWidget, check_keywords
from ._colors import class_groups, class_palette
from ._html import STATIC_DIV, display_image, figure, image_u8, png_data_uri
from ._html import label as label_html
from ._traits import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    Array,
    Field,
    Heatmap,
    HeatmapOf,
    ListOf,
    Maybe,
    Struct,
    Value,
    check_index,
    payload_nbytes,
    warn_payload,
    wire_trait,
)
from .link import Linkable

__all__ = ["ConceptTreeView", "class_groups", "class_palette"]

# The most thumbnails one request may ask for: keeps one kernel answer small.
MAX_REQUEST = 256

ORIENTATIONS = ("auto", "top-down", "left-right")

# -- the wire (js/README.md "ConceptTreeView state"; js/src/tree/state.ts) -------------------
_NODE = ("M",)
#: M nodes, node 0 the root, as drawn; C classes.
TREE = Struct(
    yes=Array("int32", _NODE), no=Array("int32", _NODE), concept=Array("int32", _NODE),
    test=ListOf(Value(str), "M"), value=Array("int32", _NODE), count=Array("int32", _NODE),
    dist=Array("int32", ("M", "C")), fidelity=Array("float32", _NODE),
    n_train=Array("int32", _NODE), merged=ListOf(ListOf(Value(str)), "M"),
    accuracy=Maybe(Array("float32", _NODE)),
)
#: N shown samples, K concepts (value codes).
SAMPLES = Struct(
    n=Value(int), leaf=Array("int32", ("N",)), model_pred=Array("int32", ("N",)),
    tree_pred=Array("int32", ("N",)), concepts=Array("int32", ("N", "K")),
    target=Maybe(Array("int32", ("N",))),
)
#: L layers x K concepts.
ACCURACY = Struct(layers=ListOf(Value(str), "L"), concepts=ListOf(Value(str), "K"),
                  values=Array("float32", ("L", "K")), best=Array("int32", ("K",)))
_NUMBER = Value(float, type(None))
#: The fidelity summary (``ConceptTreeResult.summary()``; None: no true labels).
SUMMARY = Struct(n=Value(int), depth=Value(int), n_leaves=Value(int), merged=Value(int),
                 fidelity=_NUMBER, accuracy=_NUMBER, model_accuracy=_NUMBER)
#: The class structure the colours follow (``class_groups()``; ``{}``: none).
CLASS_GROUPS = Struct(group=ListOf(Value(int), "C"), level=ListOf(Value(int), "C"),
                      groups=ListOf(Value(str)), levels=ListOf(Value(str)))
#: K thumbnails (also the "thumbs" fetch).
THUMBS = Struct(index=Array("int32", ("K",)),
                images=Maybe(HeatmapOf(("K", None, None, None), signed=False)))


class ConceptTreeView(XaiWidget, Linkable):
    """A concept tree drawn as SVG, with the layer x concept accuracy heatmap next to it.

    Nodes show their test in words (``shape = heart``, ``scale <= 0.7``), how many of the shown
    samples reach them and the class distribution of the model's predictions there. Collapse,
    pan/zoom, hover and path highlighting run in the browser; clicking a node shows thumbnails of
    the samples reaching it (fetched from the kernel when not embedded) and the tree's fidelity
    there. Build it from :meth:`ConceptTree.explain`'s result, or with :meth:`from_estimator`.

    Parameters
    ----------
    result : ConceptTreeResult
        The tree as drawn and the samples shown (:meth:`ConceptTree.explain`, or a result
        opened with :func:`~xaiwidgets.open_result`, or rows of either). Images in
        ``result.X`` (N, C, H, W) give thumbnails (other inputs get none).
    class_names : sequence of str, optional
        Names of the model's classes, indexed by class label.
    title : str
    collapse_depth : int, default=3
        Nodes deeper than this start collapsed (expand them in the view).
    orientation : {"auto", "top-down", "left-right"}, default="auto"
        Layout of the tree; "auto" draws top-down when that fits the output's width, else
        left-right (the view has a switch).
    class_groups : None, False, sequence or dict, optional
        Class structure for the colours (hue per group, lightness per level); inferred from
        names like ``"heart@0.8"`` by default. See :func:`class_groups`.
    n_thumbnails : int, default=12
        Thumbnails shown per node.
    embed_per_node : int, default=4
        Thumbnails per node embedded in the state (all an offline export can show); the root,
        where the view opens, gets all ``n_thumbnails`` of its own (0: none embedded).
    thumb_size : int, default=64
        Longer side of a thumbnail in pixels (larger images are area-downsampled).
    max_payload_bytes : int, default=8 MiB
    selected : int, default=-1
        Sample whose path is highlighted (-1: none).
    """

    _bundle = "tree.js"

    def _link_length(self) -> int:
        return len(self.result)

    title = t.Unicode("").tag(sync=True)
    concept_names = t.List(t.Unicode()).tag(sync=True)
    concept_values = t.List(t.List(t.Unicode())).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    _fetch_schemas: ClassVar[dict[str, Field]] = {"thumbs": THUMBS}
    tree = wire_trait(TREE)
    samples = wire_trait(SAMPLES)
    accuracy = wire_trait(ACCURACY)
    summary = wire_trait(SUMMARY)
    thumbs = wire_trait(THUMBS)
    selected = t.Int(-1).tag(sync=True)
    collapse_depth = t.Int(3).tag(sync=True)
    n_thumbnails = t.Int(12).tag(sync=True)
    orientation = t.Unicode("auto").tag(sync=True)
    class_groups = wire_trait(CLASS_GROUPS)

    @t.validate("selected")
    def _check_selected(self, proposal: t.Bunch) -> int:
        n = len(self.result)
        return check_index(proposal["value"], f"{type(self).__name__}.selected", n, low=-1,
                           what=f"-1: none, else one of the {n} samples")

    def __init__(
        self,
        result: ConceptTreeResult,
        *legacy: Any,
        class_names: Sequence[str] | None = None,
        title: str = "Concept tree",
        collapse_depth: int = 3,
        n_thumbnails: int = 12,
        embed_per_node: int = 4,
        thumb_size: int = 64,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        selected: int = -1,
        orientation: str = "auto",
        class_groups: Any = None,
        **options: Any,
    ) -> None:
        check_keywords(type(self), options)
        if legacy or not isinstance(result, ConceptTreeResult):
            # the previous release took (tree, X, concepts, pred) positionally
            hint = (" (build the view from a fitted tree with ConceptTreeView.from_estimator("
                    "tree, X, concepts=..., y_pred=...))"
                    if legacy or isinstance(result, ConceptTree) else "")
            raise TypeError(f"argument 'result': expected a ConceptTreeResult "
                            f"(ConceptTree.explain(...)), got {describe(result)}{hint}")
        for name, value, low in (("collapse_depth", collapse_depth, 0),
                                 ("n_thumbnails", n_thumbnails, 0),
                                 ("embed_per_node", embed_per_node, 0),
                                 ("thumb_size", thumb_size, 4),
                                 ("max_payload_bytes", max_payload_bytes, 1)):
            check_int(value, name, low=low)
        check_option(orientation, "orientation", ORIENTATIONS)
        n = len(result)
        check_int(selected, "selected", low=-1, high=n - 1)
        self.result = result
        self._thumb_size = int(thumb_size)
        X = result.X
        self._image_kind = X is not None and len(X.shape) == 4
        labels = np.asarray(result.classes)
        names = self._class_names(labels, class_names)
        nodes = result.nodes
        tree_state: dict[str, Any] = {
            "yes": np.asarray(nodes["yes"], dtype=np.int32),
            "no": np.asarray(nodes["no"], dtype=np.int32),
            "concept": np.asarray(nodes["concept"], dtype=np.int32),
            "test": [str(v) for v in nodes["test"]],
            "value": np.asarray(nodes["value"], dtype=np.int32),
            "count": np.asarray(result.node_count, dtype=np.int32),
            "dist": np.asarray(result.node_dist, dtype=np.int32),
            "fidelity": np.asarray(result.node_fidelity, dtype=np.float32),
            "n_train": np.asarray(nodes["n_train"], dtype=np.int32),
            "merged": [[str(v) for v in m] for m in nodes["merged"]],
        }
        if result.node_accuracy is not None:
            tree_state["accuracy"] = np.asarray(result.node_accuracy, dtype=np.float32)
        concepts = {k: np.asarray(result.concepts[k]) for k in result.concept_names}
        value_tables = [np.unique(concepts[k]) for k in result.concept_names]
        concept_codes = (np.stack([np.searchsorted(v, concepts[k]) for v, k in
                                   zip(value_tables, result.concept_names, strict=True)], axis=1)
                         if n else np.zeros((0, len(value_tables)), dtype=np.int64))
        # wire names kept for the front end: `model_pred` is y_pred, `target` is y_true
        samples: dict[str, Any] = {
            "n": n,
            "leaf": np.asarray(result.leaf, dtype=np.int32),
            "model_pred": result.class_codes(result.y_pred).astype(np.int32),
            "tree_pred": result.class_codes(result.tree_pred).astype(np.int32),
            "concepts": concept_codes.astype(np.int32),
        }
        if result.y_true is not None:
            samples["target"] = result.class_codes(result.y_true).astype(np.int32)
        self._names = names
        # The view opens on the root's samples: embed all it shows, so it opens on pictures.
        thumbs = self._embedded(embed_per_node, max_payload_bytes,
                                root=int(n_thumbnails) if self._image_kind else 0)
        super().__init__(
            title=title, concept_names=list(result.concept_names),
            concept_values=[[format_value(v) for v in vt] for vt in value_tables],
            class_names=names, tree=tree_state, samples=samples,
            accuracy=self._accuracy_state(result.layer_accuracy), summary=result.summary(),
            thumbs=thumbs, selected=int(selected), collapse_depth=int(collapse_depth),
            orientation=orientation, class_groups=_class_groups(names, class_groups, labels,
                                                                class_names),
            # Only (N, C, H, W) images have thumbnails; other inputs show none (nothing to fetch).
            n_thumbnails=int(n_thumbnails) if self._image_kind else 0,
        )

    # -- construction ----------------------------------------------------------------------
    @classmethod
    @renamed_keywords(model_pred="y_pred")
    def from_estimator(
        cls,
        tree: ConceptTree,
        X: Any,
        *,
        extractor: Any = None,
        concepts: Mapping[str, Any] | None = None,
        y_pred: Any = None,
        y_true: Any = None,
        merge_same_class: bool = True,
        **kwargs: Any,
    ) -> ConceptTreeView:
        """Build the view from a fitted :class:`ConceptTree` and the samples to show.

        Concepts and model predictions not given are computed with
        ``extractor.predict_concepts(X, return_predictions=True)`` (one pass over ``X``); then
        :meth:`ConceptTree.explain` makes the result (with the extractor's layer x concept
        accuracy, when one is given). ``kwargs`` are the view's display options
        (``class_names``, ``title``, ``collapse_depth``, ...). ``model_pred`` is the deprecated
        name of ``y_pred``.
        """
        if not isinstance(tree, ConceptTree):
            raise TypeError(f"argument 'tree': expected a fitted ConceptTree, got "
                            f"{describe(tree)}")
        check_keywords(cls, kwargs)  # before any computation
        tree._check_fitted("a ConceptTreeView")
        if concepts is None or y_pred is None:
            if extractor is None:
                raise ValueError("argument 'extractor': needed to predict the concepts and model "
                                 "predictions of X; or pass both 'concepts' and 'y_pred'")
            pred_c, pred_m = extractor.predict_concepts(X, return_predictions=True)
            concepts = pred_c if concepts is None else concepts
            y_pred = pred_m if y_pred is None else y_pred
        result = tree.explain(concepts, y_pred, X=X, y_true=y_true, extractor=extractor,
                              merge_same_class=merge_same_class)
        return cls(result, **kwargs)

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
    def _accuracy_state(acc: Mapping[str, Any] | None) -> dict[str, Any]:
        if not acc:
            return {}
        return {"layers": [str(v) for v in acc["layers"]],
                "concepts": [str(v) for v in acc["concepts"]],
                "values": np.asarray(acc["values"], dtype=np.float32),
                "best": np.asarray(acc["best"], dtype=np.int32)}

    # -- thumbnails ------------------------------------------------------------------------
    def node_samples(self, node: int, limit: int | None = None) -> np.ndarray:
        """Indices of the shown samples reaching ``node``, in data order."""
        return self.result.node_samples(node, limit)

    def _thumb_block(self, idx: np.ndarray) -> dict[str, Any]:
        block: dict[str, Any] = {"index": idx.astype(np.int32)}
        if self._image_kind and len(idx):
            x = np.asarray(self.result.X[idx], dtype=np.float32)
            img = display_image(x, self._thumb_size).transpose(0, 2, 3, 1)
            block["images"] = Heatmap(img, signed=False)
        return block

    def _embedded(self, per_node: int, cap: int, root: int = 0) -> dict[str, Any]:
        """Thumbnails in the initial state: the first ``per_node`` samples of every node and
        the first ``root`` of the root (the node the view opens on), within ``cap`` bytes."""
        if not self._image_kind or per_node == 0:
            return self._thumb_block(np.zeros(0, dtype=np.int64))
        n_nodes = len(self.result.nodes["yes"])
        per = [self.result.node_samples(i, max(per_node, root) if i == 0 else per_node)
               for i in range(n_nodes)]
        chosen = np.unique(np.concatenate(per)) if per else np.zeros(0, dtype=np.int64)
        one = payload_nbytes(self._thumb_block(chosen[:1])) if len(chosen) else 0
        keep = len(chosen) if one == 0 else int(min(len(chosen), cap // one))
        if keep < len(chosen):
            warn_payload(type(self).__name__, one * len(chosen), cap, keep, len(chosen))
            # Shallow nodes first: they are what a reader opens first.
            first: dict[int, None] = {}
            for i in np.argsort(np.asarray(self.result.nodes["depth"]), kind="stable"):
                first.update(dict.fromkeys(per[i].tolist()))
            chosen = np.sort(np.array(list(first)[:keep], dtype=np.int64))
        return self._thumb_block(chosen)

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``what="thumbs"``, ``args={"indices": [...]}``: thumbnails of those samples (at most
        :data:`MAX_REQUEST`; out-of-range and non-integer indices are dropped)."""
        if what != "thumbs":
            return super()._fetch(what, args)
        raw = args.get("indices") or []
        n = len(self.result)
        idx = np.array(sorted({int(i) for i in raw if isinstance(i, (int, float))
                               and not isinstance(i, bool) and 0 <= int(i) < n}),
                       dtype=np.int64)[:MAX_REQUEST]
        return self._thumb_block(idx)

    # -- static fallback -------------------------------------------------------------------
    def _tables(self) -> dict[str, Any]:
        """``nodes``: one row per node of the tree as drawn (test, children, predicted class,
        training samples, samples reaching it, fidelity, accuracy, the model's predictions)."""
        import pandas as pd

        r = self.result
        nodes = r.nodes
        m = len(nodes["yes"])
        names = (list(self.class_names) if len(self.class_names) == len(r.classes)
                 else [str(c) for c in r.classes])
        concept = np.asarray(nodes["concept"])
        frame = pd.DataFrame({
            "node": np.arange(m), "depth": np.asarray(nodes["depth"]),
            "test": [str(v) for v in nodes["test"]],
            "concept": [r.concept_names[c] if c >= 0 else "" for c in concept],
            "yes": np.asarray(nodes["yes"]), "no": np.asarray(nodes["no"]),
            "predicts": [names[int(v)] for v in np.asarray(nodes["value"])],
            "n_train": np.asarray(nodes["n_train"]),
        })
        if r.node_count is not None:
            frame["count"] = np.asarray(r.node_count)
        if r.node_fidelity is not None:
            frame["fidelity"] = np.asarray(r.node_fidelity, dtype=np.float64)
        if r.node_accuracy is not None:
            frame["accuracy"] = np.asarray(r.node_accuracy, dtype=np.float64)
        if r.node_dist is not None:
            dist = np.asarray(r.node_dist)
            for c, name in enumerate(names[:dist.shape[1]]):
                frame[f"predicted {name}"] = dist[:, c]
        return {"nodes": frame}

    def _static_html(self) -> str:
        """The tree as nested lists with the live view's class colours (a bar per node) and
        its legend; merged splits say so; the first samples as thumbnails."""
        nodes = self.tree
        s = self.summary
        colors = class_palette(len(self._names), self.class_groups)
        merged = self.tree["merged"]
        parts = [f"{STATIC_DIV}<h4>{label_html(self.title)}</h4>",
                 f"<p>{s['n']} samples · depth {s['depth']} · {s['n_leaves']} leaves · "
                 f"fidelity to the model {100 * s['fidelity']:.1f}%"
                 + (f" · accuracy {100 * s['accuracy']:.1f}%" if s["accuracy"] is not None else "")
                 + (f" · {s['merged']} split{'s' if s['merged'] > 1 else ''} merged (same class "
                    "on both sides)" if s.get("merged") else "")
                 + "</p>"]
        r = self.result
        dist = np.asarray(r.node_dist)
        count, fidelity = np.asarray(r.node_count), np.asarray(r.node_fidelity)

        def bar(i: int) -> str:
            total = int(dist[i].sum())
            if not total:
                return ""
            segs = "".join(
                f"<span title='{html.escape(self._names[c])}: {int(v)}' style='display:"
                f"inline-block;height:10px;width:{120 * v / total:.1f}px;"
                f"background:{colors[c]}'></span>"
                for c, v in enumerate(dist[i]) if v)
            return (f" <span style='display:inline-flex;vertical-align:middle;width:120px;"
                    f"outline:1px solid #8888'>{segs}</span>")

        def walk(i: int, depth: int) -> str:
            cnt = int(count[i])
            fid = "" if cnt == 0 else f", fidelity {100 * fidelity[i]:.0f}%"
            pred = label_html(self._names[self.tree_value(i)])
            if nodes["yes"][i] == -1:
                note = (f" <em>({len(merged[i])} split{'s' if len(merged[i]) > 1 else ''} merged:"
                        f" {label_html('; '.join(merged[i]))})</em>" if merged[i] else "")
                return f"<li>→ {pred} (n={cnt}{fid}){bar(i)}{note}</li>"
            test = label_html(nodes["test"][i])
            if depth >= 6:
                return f"<li>{test}? … (n={cnt}){bar(i)}</li>"
            return (f"<li>{test}? (n={cnt}{fid}){bar(i)}<ul>"
                    f"<li>yes<ul>{walk(int(nodes['yes'][i]), depth + 1)}</ul></li>"
                    f"<li>no<ul>{walk(int(nodes['no'][i]), depth + 1)}</ul></li></ul></li>")

        parts.append(f"<ul>{walk(0, 0)}</ul>")
        parts.append(self._static_legend(colors))
        if self.accuracy:
            parts.append(self._static_accuracy())
        if self._image_kind and len(r):
            imgs = []
            for i in self.node_samples(0, 6):
                x = display_image(np.asarray(r.X[int(i):int(i) + 1], dtype=np.float32), 64)[0]
                pred = self._names[int(self.samples["model_pred"][int(i)])]
                # the true class where the result has one, as the live view's cards
                true = ("" if "target" not in self.samples else
                        f" · true {self._names[int(self.samples['target'][int(i)])]}")
                imgs.append(figure(f"#{int(i)} pred {pred}{true}",
                                   png_data_uri(image_u8(x.transpose(1, 2, 0)), size=64)))
            parts.append(f"<div style='display:flex;gap:6px'>{''.join(imgs)}</div>")
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def _static_legend(self, colors: list[str]) -> str:
        def item(c: int, text: str) -> str:
            return (f"<span style='display:inline-block;max-width:100%;margin-right:10px'>"
                    f"<span style='display:inline-block;width:14px;height:12px;"
                    f"vertical-align:middle;background:"
                    f"{colors[c]}'></span> {label_html(text)}</span>")

        g = self.class_groups
        rows = []
        if g:
            for k, label in enumerate(g["groups"]):
                members = sorted((c for c in range(len(self._names)) if g["group"][c] == k),
                                 key=lambda c: g["level"][c])
                cells = "".join(item(c, g["levels"][g["level"][c]] if g["levels"]
                                     else self._names[c]) for c in members)
                rows.append(f"<div><b>{label_html(label)}</b> {cells}</div>")
        else:
            rows.append("<div>" + "".join(item(c, n) for c, n in enumerate(self._names)) + "</div>")
        return ("<div class='xai-static-legend'><p>bars: the model's predictions, one colour per "
                f"class</p>{''.join(rows)}</div>")

    def tree_value(self, node: int) -> int:
        """Index (into ``class_names``) of the class a node predicts."""
        return int(self.tree["value"][node])

    def _static_accuracy(self) -> str:
        acc = self.accuracy
        values = acc["values"]
        best = acc["best"]
        head = "".join(f"<th>{label_html(c)}</th>" for c in acc["concepts"])
        rows = []
        for i, layer in enumerate(acc["layers"]):
            cells = "".join(
                f"<td{' style=font-weight:700' if best[j] == i else ''}>{values[i, j]:.2f}</td>"
                for j in range(values.shape[1]))
            rows.append(f"<tr><th>{label_html(layer)}</th>{cells}</tr>")
        return ("<table><caption>cross-validated concept accuracy per layer (bold: chosen)"
                f"</caption><tr><th>layer</th>{head}</tr>{''.join(rows)}</table>")


def _class_groups(names: list[str], groups: Any, labels: np.ndarray,
                  class_names: Any) -> dict[str, Any]:
    """:func:`class_groups` for the widget's classes; a sequence given with ``class_names`` is
    indexed like it (by class label) and reordered to the widget's classes."""
    if (isinstance(groups, Sequence) and not isinstance(groups, str) and class_names is not None
            and labels.dtype.kind in "iu" and len(groups) == len(class_names)
            and len(groups) != len(names)):
        groups = [groups[int(v)] for v in labels]
    return class_groups(names, groups)
