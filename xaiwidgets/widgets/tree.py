"""ConceptTreeView: an interactive concept tree (CME) linked to a layer x concept heatmap."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t

from .._core.labels import check_concepts
from .._core.rules import format_value
from .._core.validation import (
    as_tensor,
    check_bool,
    check_class_names,
    check_int,
    check_option,
    describe,
    match_labels,
)
from ..concepts.extract import ConceptExtractor
from ..concepts.tree import ConceptTree
from ._base import XaiWidget
from ._html import STATIC_DIV, display_image, png_data_uri
from ._html import label as label_html
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES, Heatmap, payload_nbytes, warn_payload, wire_trait

__all__ = ["ConceptTreeView", "class_groups"]

# The most thumbnails one request may ask for: keeps one kernel answer small.
MAX_REQUEST = 256

ORIENTATIONS = ("auto", "top-down", "left-right")
# Tried in order; a name like "heart@0.8" is group "heart", level "0.8".
SEPARATORS = ("@", "|", ":", "/", " x ", "_")


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _ranks(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """Index of each value among the distinct ones: numeric order when all are numbers, else
    order of first appearance."""
    distinct = list(dict.fromkeys(values))
    nums = [f for f in map(_as_float, distinct) if f is not None]
    if len(nums) == len(distinct):
        distinct = [d for _, d in sorted(zip(nums, distinct, strict=True), key=lambda p: p[0])]
    pos = {v: k for k, v in enumerate(distinct)}
    return [pos[v] for v in values], distinct


def class_groups(names: Sequence[str], groups: Any = None) -> dict[str, Any]:
    """The class structure the tree views colour by: a hue per group, a lightness per level.

    Parameters
    ----------
    names : sequence of str
        Class display names, in class-code order.
    groups : None, False, sequence or mapping
        ``None``: inferred from the names when they all contain one separator (the first of
        :data:`SEPARATORS` that splits every name in two: ``"heart@0.8"`` is group ``heart``,
        level ``0.8``; levels sort numerically when they are numbers). ``False``: no structure.
        A sequence: one group label per class. A mapping: class name -> group label (every class
        needs one). With explicit groups, a class's level is its rank within its group.

    Returns
    -------
    dict
        ``{}`` when there is no structure (fewer than 2 groups, or one class per group), else
        ``group`` and ``level`` (one int per class), ``groups`` (group labels) and ``levels``
        (level labels, ``[]`` for explicit groups).
    """
    names = [str(n) for n in names]
    if groups is False or len(names) < 2:
        return {}
    if groups is None:
        for sep in SEPARATORS:
            parts = [n.split(sep) for n in names]
            if all(len(p) == 2 and p[0] and p[1] for p in parts):
                gid, glabels = _ranks_in_order([p[0] for p in parts])
                level, levels = _ranks([p[1] for p in parts])
                if 2 <= len(glabels) < len(names):
                    return {"group": gid, "level": level, "groups": glabels, "levels": levels}
        return {}
    if isinstance(groups, Mapping):
        missing = [n for n in names if n not in groups]
        if missing:
            raise ValueError(f"argument 'class_groups': expected a group for every class, got "
                             f"none for {missing[:5]}")
        labels = [str(groups[n]) for n in names]
    elif isinstance(groups, Sequence) and not isinstance(groups, str):
        if len(groups) != len(names):
            raise ValueError(f"argument 'class_groups': expected one group label per class "
                             f"({len(names)}), got {len(groups)}")
        labels = [str(g) for g in groups]
    else:
        raise TypeError(f"argument 'class_groups': expected None, False, a sequence of group "
                        f"labels or a dict of class name to group, got {describe(groups)}")
    gid, glabels = _ranks_in_order(labels)
    seen: dict[int, int] = {}
    level = []
    for g in gid:
        level.append(seen.get(g, 0))
        seen[g] = seen.get(g, 0) + 1
    if len(glabels) < 2 and len(names) > 1 and max(seen.values()) < 2:
        return {}
    return {"group": gid, "level": level, "groups": glabels, "levels": []}


# -- class colours: the same numbers as js/src/lib/colormap.ts classPalette (static snapshots
# show the live view's colours; tests/test_tree_widget.py compares both with fixed values).
GROUP_HUES = (55, 145, 335, 105, 195, 20, 170, 80)
_LIGHT, _DARK = 0.86, 0.44


def _js_round(x: float) -> int:
    return int(np.floor(x + 0.5))


def _oklch_hex(L: float, C: float, hue: float) -> str:
    hr = hue * np.pi / 180

    def linear(c: float) -> list[float]:
        a, b = c * np.cos(hr), c * np.sin(hr)
        l_ = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3
        m_ = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3
        s_ = (L - 0.0894841775 * a - 1.291485548 * b) ** 3
        return [4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
                -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
                -0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_]

    def hexed(lin: list[float]) -> str:
        srgb = [12.92 * v if v <= 0.0031308 else 1.055 * max(v, 0) ** (1 / 2.4) - 0.055
                for v in lin]
        return "#" + "".join(f"{_js_round(min(1.0, max(0.0, v)) * 255):02x}" for v in srgb)

    c = C
    for _ in range(40):
        lin = linear(c)
        if all(-1e-4 <= v <= 1 + 1e-4 for v in lin) or c <= 0:
            return hexed(lin)
        c = max(0.0, c - C / 40)
    return hexed(linear(0.0))


def class_palette(n: int, groups: Mapping[str, Any] | None = None) -> list[str]:
    """One colour per class, as the live view draws them: with :func:`class_groups`, a hue per
    group and a lightness per level (level 0 the lightest); else well separated hues."""
    out: list[str] = []
    if groups and len(groups.get("group", [])) == n and len(groups.get("level", [])) == n and n:
        n_levels = max(1, *(int(v) + 1 for v in groups["level"]))
        for g, lv in zip(groups["group"], groups["level"], strict=True):
            g, lv = max(0, int(g)), max(0, int(lv))
            rnd = g // len(GROUP_HUES)
            hue = GROUP_HUES[g % len(GROUP_HUES)] + rnd * 12
            L = 0.66 if n_levels == 1 else _LIGHT - (_LIGHT - _DARK) * lv / (n_levels - 1)
            out.append(_oklch_hex(L, 0.09 if rnd % 2 else 0.15, hue))
        return out
    rounds = (0.68, 0.84, 0.5)
    for c in range(n):
        rnd = c // len(GROUP_HUES)
        out.append(_oklch_hex(rounds[rnd % 3], 0.14,
                              GROUP_HUES[c % len(GROUP_HUES)] + 7 * (rnd // 3)))
    return out


def _ranks_in_order(values: Sequence[str]) -> tuple[list[int], list[str]]:
    distinct = list(dict.fromkeys(values))
    pos = {v: k for k, v in enumerate(distinct)}
    return [pos[v] for v in values], distinct


class ConceptTreeView(XaiWidget):
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
    orientation : {"auto", "top-down", "left-right"}, default="auto"
        Layout of the tree; "auto" draws top-down when that fits the output's width, else
        left-right (the view has a switch).
    merge_same_class : bool, default=True
        Draw every split whose two sides predict the same class as one leaf that says so
        (:meth:`ConceptTree.nodes` with ``merge_same_class=True``; predictions are unchanged).
    class_groups : None, False, sequence or dict, optional
        Class structure for the colours (hue per group, lightness per level); inferred from
        names like ``"heart@0.8"`` by default. See :func:`class_groups`.
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
    orientation = t.Unicode("auto").tag(sync=True)
    class_groups = t.Dict().tag(sync=True)

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
        orientation: str = "auto",
        merge_same_class: bool = True,
        class_groups: Any = None,
    ) -> None:
        if not isinstance(tree, ConceptTree):
            raise TypeError(f"argument 'tree': expected a fitted ConceptTree, got "
                            f"{describe(tree)}")
        tree._check_fitted("a ConceptTreeView")
        for name, value, low in (("collapse_depth", collapse_depth, 0),
                                 ("n_thumbnails", n_thumbnails, 0),
                                 ("embed_per_node", embed_per_node, 0),
                                 ("thumb_size", thumb_size, 4),
                                 ("max_payload_bytes", max_payload_bytes, 1)):
            check_int(value, name, low=low)
        check_option(orientation, "orientation", ORIENTATIONS)
        check_bool(merge_same_class, "merge_same_class")
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
        model_pred = match_labels(model_pred, tree.classes_, n, "model_pred")
        y = None if y_true is None else match_labels(y_true, tree.classes_, n, "y_true")

        def code(a: np.ndarray) -> np.ndarray:
            return np.searchsorted(labels, np.asarray(a).astype(labels.dtype)).astype(np.int32)

        nodes = tree.nodes(merge_same_class=merge_same_class)
        merged = nodes.get("merged", [[] for _ in nodes["test"]])
        shown = nodes.get("shown", np.arange(len(nodes["test"])))
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
            "merged": [list(m) for m in merged],
        }
        if stats.accuracy is not None:
            tree_state["accuracy"] = stats.accuracy.astype(np.float32)
        value_tables = [np.unique(concepts[k]) for k in tree.concept_names_]
        concept_codes = np.stack([np.searchsorted(v, concepts[k]) for v, k in
                                  zip(value_tables, tree.concept_names_, strict=True)], axis=1)
        samples: dict[str, Any] = {
            "n": n,
            # the leaf each sample reaches in the tree as drawn (a merged node, if merged)
            "leaf": shown[stats.leaf].astype(np.int32),
            "model_pred": code(model_pred),
            "tree_pred": code(stats.tree_pred),
            "concepts": concept_codes.astype(np.int32),
        }
        if y is not None:
            samples["target"] = code(y)
        agree = stats.tree_pred == model_pred
        drawn = _reachable(nodes)
        summary = {"n": n, "depth": int(nodes["depth"][drawn].max()) if len(drawn) else 0,
                   "n_leaves": int(np.sum(nodes["yes"][drawn] < 0)),
                   "merged": int(sum(len(m) for m in merged)),
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
            orientation=orientation, class_groups=_class_groups(names, class_groups, labels,
                                                                class_names),
            # Only (N, C, H, W) images have thumbnails; other inputs show none (nothing to fetch).
            n_thumbnails=int(n_thumbnails) if self._image_kind else 0,
        )

    # -- construction ----------------------------------------------------------------------
    # (helpers below the class: _reachable, _class_groups)
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
    ) -> ConceptTreeView:
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
        extractor._check_fitted("a ConceptTreeView")
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
        """The tree as nested lists with the live view's class colours (a bar per node) and
        its legend; merged splits say so; the first samples as thumbnails."""
        nodes = self._nodes
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
        dist = self.stats.dist

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
            cnt = int(self.stats.count[i])
            fid = "" if cnt == 0 else f", fidelity {100 * self.stats.fidelity[i]:.0f}%"
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
        if self._image_kind and len(self.images):
            first = self.node_samples(0, 6)
            imgs = []
            for i in first:
                x = display_image(self.images[int(i):int(i) + 1].float().numpy(), 64)[0]
                g = x.transpose(1, 2, 0)
                lo, hi = g.min(), g.max()
                g = ((g - lo) / ((hi - lo) or 1) * 255).astype(np.uint8)
                g = g[..., 0] if g.shape[-1] == 1 else g
                pred = label_html(self._names[int(self.samples["model_pred"][int(i)])])
                imgs.append(f"<figure style='margin:0;font-size:11px'><img src='"
                            f"{png_data_uri(g, size=64)}' alt='sample {int(i)}'><figcaption>"
                            f"#{int(i)} pred {pred}</figcaption></figure>")
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


def _reachable(nodes: Mapping[str, Any]) -> np.ndarray:
    """Ids of the nodes reachable from the root (a merged tree hides some)."""
    yes, no = nodes["yes"], nodes["no"]
    out, stack = [], [0] if len(yes) else []
    while stack:
        i = stack.pop()
        out.append(i)
        if yes[i] >= 0:
            stack += [int(no[i]), int(yes[i])]
    return np.array(sorted(out), dtype=np.int64)


def _class_groups(names: list[str], groups: Any, labels: np.ndarray,
                  class_names: Any) -> dict[str, Any]:
    """:func:`class_groups` for the widget's classes; a sequence given with ``class_names`` is
    indexed like it (by class label) and reordered to the widget's classes."""
    if (isinstance(groups, Sequence) and not isinstance(groups, str) and class_names is not None
            and labels.dtype.kind in "iu" and len(groups) == len(class_names)
            and len(groups) != len(names)):
        groups = [groups[int(v)] for v in labels]
    return class_groups(names, groups)
