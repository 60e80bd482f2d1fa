"""CME step 1: which concepts a model's hidden layers encode, and a concept predictor from them.

For every layer and concept a probe is fitted on the layer's activations, captured in place with
:class:`~xaiwidgets.ModelProbe`. Two departures from the reference code (``docs/methods/cme.md``):
conv maps are pooled to a small grid and PCA-reduced first (label spreading on raw flattened
activations sees all-zero rbf affinities), and layers are compared by stratified k-fold
cross-validated accuracy instead of one 15 % split.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading
from torch import nn

from .._core.activations import pool_activation
from .._core.estimator import Constraints, XaiEstimator
from .._core.labels import check_concepts, encode_concept
from .._core.probe import ModelProbe, iter_input_batches, read_output
from .._core.random import check_seed
from .._core.task import TASKS, infer_task
from .._core.validation import (
    as_tensor,
    check_bool,
    check_int,
    check_kind,
    check_layer_names,
    check_model,
    check_model_output,
    check_option,
)

__all__ = ["ConceptExtractor", "default_layers", "pool_activation"]

METHODS = ("label_spreading", "logistic")

# Normalisation layers have weights but only rescale their input: probing them repeats the layer
# before.
_NORM = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm)


def default_layers(model: nn.Module) -> list[str]:
    """Every leaf module that has its own weights (as in CME), except normalisation layers."""
    names = [name for name, m in model.named_modules()
             if name and not list(m.children()) and not isinstance(m, _NORM)
             and any(True for _ in m.parameters(recurse=False))]
    if not names:
        raise ValueError("argument 'layers': the model has no leaf module with weights; pass "
                         "layer names explicitly")
    return names


class _LabelSpreading(LabelSpreading):
    """LabelSpreading that never predicts from NaN.

    A knn graph can leave a component of the training points without labelled members; points
    whose neighbours all lie there get no label mass (0/0 probabilities). They fall back to the
    labelled class frequencies instead of silently becoming the first class.
    """

    def fit(self, X: Any, y: Any) -> _LabelSpreading:
        super().fit(X, y)
        y = np.asarray(y)
        known = np.searchsorted(self.classes_, y[y != -1])
        self.prior_ = np.bincount(known, minlength=len(self.classes_)) / max(1, len(known))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            p = super().predict_proba(X)
        bad = ~np.isfinite(p).all(axis=1)
        p[bad] = self.prior_
        return p


class ConceptExtractor(XaiEstimator):
    """Concept probes on a model's hidden layers; per concept the layer that encodes it best.

    CME's input-to-concept step (Kazhdan et al., 2020): for each layer and each concept a probe
    is fitted on the layer's (pooled, PCA-reduced) activations, its accuracy is estimated by
    stratified k-fold cross-validation, and each concept is then predicted from its best layer
    (ties go to the earliest layer). Activations are captured in place and streamed in batches;
    the model is left exactly as found.

    Parameters
    ----------
    model : nn.Module
        The trained model; used in place and left exactly as found (never copied).
    layers : sequence of str, optional
        Module names (``model.named_modules()``) to probe. Default: every leaf module with
        weights except normalisation layers. Prefer the outputs of nonlinearities (e.g. ``ReLU``
        modules) when the model has them as modules.
    method : {"label_spreading", "logistic"}, default="label_spreading"
        ``"label_spreading"``: semi-supervised :class:`~sklearn.semi_supervised.LabelSpreading`
        (knn kernel) on the labelled samples plus ``n_unlabelled`` unlabelled ones, as in the
        paper. ``"logistic"``: supervised :class:`~sklearn.linear_model.LogisticRegression` on the
        labelled samples only.
    n_labelled : int or None, default=100
        Labelled samples drawn (seeded) from the inputs given to :meth:`fit`; None uses all.
    n_unlabelled : int, default=200
        Unlabelled samples for label spreading, drawn from the other inputs (or from
        ``unlabelled`` in :meth:`fit`); their concept labels are never read.
    pool : int, default=2
        Conv maps are reduced to the mean and max over a ``pool x pool`` grid per channel while
        they are captured (a grid > 1 keeps coarse position).
    n_components : int, default=32
        PCA dimensions per layer (after standardisation), fitted on the labelled and unlabelled
        samples.
    n_neighbors : int, default=7
        Neighbours of the label-spreading knn graph.
    cv : int, default=5
        Folds of the stratified cross-validation (fewer when a class has fewer samples).
    batch_size : int, default=256
        Inputs per forward pass.
    task : {"auto", "multiclass", "binary", "regression"}, default="auto"
        How the model's outputs give its predictions (one-output models need "binary").
    progress : bool, default=True
        Show tqdm progress bars.
    seed : int, default=0
        Seeds the labelled/unlabelled draw, the folds and PCA.

    Attributes
    ----------
    layers_ : list of str
    concept_names_ : list of str
    concept_values_ : dict of str to np.ndarray
        Sorted distinct values of each concept; probes predict indices into these.
    accuracy_ : np.ndarray of shape (n_layers, n_concepts)
        Cross-validated accuracy of each layer's probe for each concept.
    best_layer_ : dict of str to str
        Layer chosen for each concept.
    best_accuracy_ : dict of str to float
    reducers_ : dict of str to sklearn Pipeline
        Standardise + PCA of each layer's pooled activations.
    probes_ : dict of (str, str) to sklearn estimator
        Fitted probe per (layer, concept).
    n_features_in_ : dict of str to int
        Pooled activation size of each layer.
    labelled_indices_ : np.ndarray
        Indices (into the inputs of :meth:`fit`) of the labelled samples.
    n_unlabelled_ : int
        Unlabelled samples actually used.

    Examples
    --------
    >>> cme = ConceptExtractor(model, ["relu1", "relu2", "fc1"]).fit(x_train, concepts)
    >>> cme.accuracy_                          # (3 layers, K concepts)
    >>> predicted = cme.predict_concepts(x_test)   # {"shape": array([...]), ...}
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str] | None = None,
        *,
        method: str = "label_spreading",
        n_labelled: int | None = 100,
        n_unlabelled: int = 200,
        pool: int = 2,
        n_components: int = 32,
        n_neighbors: int = 7,
        cv: int = 5,
        batch_size: int = 256,
        task: str = "auto",
        progress: bool = True,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.layers = layers
        self.method = method
        self.n_labelled = n_labelled
        self.n_unlabelled = n_unlabelled
        self.pool = pool
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.cv = cv
        self.batch_size = batch_size
        self.task = task
        self.progress = progress
        self.seed = seed

    # ------------------------------------------------------------------ helpers
    _parameter_constraints: ClassVar[Constraints] = {
        "model": check_model,
        "layers": partial(check_kind, expected="None, a layer name or a list of layer names",
                          types=(str, Sequence, np.ndarray), allow_none=True),
        "method": partial(check_option, options=METHODS),
        "n_labelled": partial(check_int, low=1, allow_none=True),
        "n_unlabelled": partial(check_int, low=0),
        "pool": partial(check_int, low=1),
        "n_components": partial(check_int, low=1),
        "n_neighbors": partial(check_int, low=1),
        "cv": partial(check_int, low=2),
        "batch_size": partial(check_int, low=1),
        "task": partial(check_option, options=TASKS),
        "progress": check_bool,
        "seed": check_seed,
    }

    def _reducers(self, model: nn.Module, layers: list[str]) -> dict[str, Callable[[Any], Any]]:
        modules = dict(model.named_modules())

        def make(layer: str) -> Callable[[Any], torch.Tensor]:
            module = modules[layer]

            def reduce(a: Any) -> torch.Tensor:
                if isinstance(module, nn.RNNBase) and isinstance(a, tuple):
                    a = a[0]
                if not isinstance(a, torch.Tensor):
                    raise TypeError(
                        f"argument 'layers': layer {layer!r} ({type(module).__name__}) returns "
                        f"{type(a).__name__}, expected a tensor; probe a submodule that returns "
                        "a tensor instead")
                return pool_activation(a, self.pool)

            return reduce

        return {layer: make(layer) for layer in layers}

    def _bar(self, iterable: Any = None, **kw: Any) -> Any:
        if not self.progress:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, **kw)

    def _collect(
        self, model: nn.Module, layers: list[str], data: Any, keep: np.ndarray | None,
        n: int | None, size: int | None = None, name: str = "X",
    ) -> dict[str, np.ndarray]:
        """Pooled activations of the samples ``keep`` (sorted; None = all) of ``data``, in
        preallocated buffers (:meth:`ModelProbe.gather`). ``n``: expected length of a streamed
        ``data``; ``size``: at most this many rows of a stream when ``keep`` is None."""
        probe = ModelProbe(model, layers, reduce=self._reducers(model, layers))
        acts, seen = probe.gather(data, rows=keep, limit=size, batch_size=self.batch_size,
                                  progress=self.progress, name=name)
        if n is not None and seen != n:
            raise ValueError(f"argument 'concepts': expected one label per sample, but X has "
                             f"{seen} samples while the concepts have {n} labels")
        return acts

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, concepts: Mapping[str, Any], *,
            unlabelled: Any = None) -> ConceptExtractor:
        """Capture activations, fit one probe per (layer, concept) and pick the best layers.

        Parameters
        ----------
        X : tensor, array, DataLoader or iterable of batches
            Inputs as the model expects them, in the same order as the concept labels.
            Tensors and arrays are indexed directly; other iterables are streamed once.
        concepts : dict of str to array-like of shape (N,)
            Labels of every concept for the samples of ``X``. Only the ``n_labelled`` drawn
            samples' labels are used. Values may be numbers or strings.
        unlabelled : tensor, array or iterable, optional
            Inputs without concept labels for label spreading: ``n_unlabelled`` of them (a seeded
            draw from arrays, the first ones of other iterables) replace the draw from ``X``.

        Returns
        -------
        self
        """
        with self._fitting():
            return self._fit(X, concepts, unlabelled)

    def _fit(self, X: Any, concepts: Mapping[str, Any], unlabelled: Any) -> ConceptExtractor:
        self._check_params()
        model = self.model
        layers = (default_layers(model) if self.layers is None
                  else check_layer_names(model, self.layers))
        if hasattr(X, "to_numpy"):  # a DataFrame
            X = as_tensor(X, "X")
        n_x = len(X) if isinstance(X, (torch.Tensor, np.ndarray)) else None
        concepts = check_concepts(concepts, n_x, n_from="X")
        n = len(next(iter(concepts.values())))
        encoded = {k: encode_concept(v) for k, v in concepts.items()}
        for k, (values, _) in encoded.items():
            if len(values) < 2:
                raise ValueError(
                    f"argument 'concepts': concept {k!r} has a single value ({values[0]!r}) in all "
                    f"{n} samples; a probe cannot learn it, so drop it from the concepts")

        rng = np.random.default_rng(self.seed)
        order = rng.permutation(n)
        n_lab = n if self.n_labelled is None else self.n_labelled
        if n_lab > n:
            raise ValueError(f"argument 'n_labelled': expected at most the {n} samples of X, got "
                             f"{n_lab}")
        labelled = np.sort(order[:n_lab])
        for k, (values, codes) in encoded.items():
            if n_lab < len(values):
                raise ValueError(
                    f"argument 'n_labelled': concept {k!r} has {len(values)} values, so at least "
                    f"{len(values)} labelled samples are needed, got n_labelled={n_lab}")
            present = np.unique(codes[labelled])
            if len(present) < 2:
                raise ValueError(
                    f"argument 'n_labelled': all {n_lab} labelled samples have the same value "
                    f"{values[present[0]]!r} of concept {k!r}; label more samples")

        semi = self.method == "label_spreading"
        n_unl = self.n_unlabelled if semi else 0
        pool = (np.sort(order[n_lab:n_lab + n_unl]) if n_unl and unlabelled is None
                else np.zeros(0, dtype=np.int64))
        # One pass over X for the labelled and the unlabelled rows, in X's order ...
        both = np.concatenate([labelled, pool])
        rank = np.empty(len(both), dtype=np.int64)
        rank[np.argsort(both, kind="stable")] = np.arange(len(both))
        feats = self._collect(model, layers, X, np.sort(both), n)
        # ... then labelled rows first, as the probes expect.
        feats = {k: v[rank] for k, v in feats.items()}
        if n_unl and unlabelled is not None:
            unl_feats = self._unlabelled_features(model, layers, unlabelled, n_unl, rng)
            feats = {k: np.concatenate([feats[k], unl_feats[k]]) for k in layers}
        n_total = len(feats[layers[0]])
        self.n_unlabelled_ = n_total - n_lab

        self.layers_ = layers
        self.concept_names_ = list(concepts)
        self.concept_values_ = {k: v for k, (v, _) in encoded.items()}
        self.labelled_indices_ = labelled
        self.n_features_in_ = {k: int(feats[k].shape[1]) for k in layers}
        self.reducers_: dict[str, Pipeline] = {}
        self.probes_: dict[tuple[str, str], Any] = {}
        acc = np.zeros((len(layers), len(concepts)))
        y_lab = {k: codes[labelled] for k, (_, codes) in encoded.items()}
        bar = self._bar(total=len(layers) * len(concepts), desc="probes", unit="probe") if (
            self.progress) else None
        try:
            for i, layer in enumerate(layers):
                z = self._fit_reducer(layer, feats.pop(layer), n_total)
                for j, k in enumerate(self.concept_names_):
                    acc[i, j], self.probes_[layer, k] = self._fit_probe(z, y_lab[k], n_lab)
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        self.accuracy_ = acc
        best = np.argmax(acc, axis=0)  # first maximum: ties go to the earliest layer
        self.best_layer_ = {k: layers[int(best[j])] for j, k in enumerate(self.concept_names_)}
        self.best_accuracy_ = {k: float(acc[best[j], j]) for j, k in enumerate(self.concept_names_)}
        return self

    def _unlabelled_features(self, model: nn.Module, layers: list[str], data: Any, n_unl: int,
                             rng: np.random.Generator) -> dict[str, np.ndarray]:
        if isinstance(data, (torch.Tensor, np.ndarray)):
            m = len(data)
            if m == 0:
                raise ValueError("argument 'unlabelled': expected at least one sample, got 0")
            keep = np.sort(rng.choice(m, size=min(n_unl, m), replace=False))
            return self._collect(model, layers, data, keep, None, name="unlabelled")

        def first(batches: Any) -> Any:
            left = n_unl
            for b in iter_input_batches(batches, self.batch_size, "unlabelled"):
                if left <= 0:
                    return
                yield b[:left]
                left -= len(b)

        return self._collect(model, layers, first(data), None, None, size=n_unl,
                             name="unlabelled")

    def _fit_reducer(self, layer: str, feats: np.ndarray, n_total: int) -> np.ndarray:
        k = max(1, min(self.n_components, n_total - 1, feats.shape[1]))
        scaled = StandardScaler().fit(feats)
        z = scaled.transform(feats)
        pca = PCA(n_components=k, random_state=self.seed).fit(z)
        # Directions without variance (a rank-deficient layer's numerical noise) are dropped: the
        # logistic probe standardises its inputs and would blow them up to unit variance.
        var = pca.explained_variance_
        keep = int(np.sum(var > 1e-6 * var[0])) if var[0] > 0 else 1
        if keep < k:
            pca = PCA(n_components=max(1, keep), random_state=self.seed).fit(z)
        # Not whitened for label spreading: knn on whitened components weighs noise directions
        # like the dominant ones (measured: lower probe accuracy on dSprites).
        self.reducers_[layer] = Pipeline([("scale", scaled), ("pca", pca)])
        return pca.transform(z)

    def _probe(self, n_total: int) -> Any:
        if self.method == "logistic":
            # Standardised components: lbfgs converges in ~8x fewer iterations.
            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        return _LabelSpreading(kernel="knn", n_neighbors=min(self.n_neighbors, n_total - 1),
                               max_iter=100)

    def _fit_probe(self, z: np.ndarray, y_lab: np.ndarray, n_lab: int) -> tuple[float, Any]:
        """Cross-validated accuracy on the labelled rows (first ``n_lab`` of ``z``), then the
        probe refitted on all rows."""
        n_total = len(z)
        unl = np.arange(n_lab, n_total)
        y = np.concatenate([y_lab, np.full(len(unl), -1, dtype=np.int64)])
        splits = min(self.cv, n_lab)
        folds = StratifiedKFold(n_splits=splits, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            # Rare concept values (fewer members than folds) are expected with few labels.
            warnings.filterwarnings("ignore", message="The least populated class",
                                    category=UserWarning)
            # Each fold trains on its labelled rows plus every unlabelled row; the held-out
            # labelled rows are left out of fitting altogether.
            cv = [(np.concatenate([tr, unl]), te) for tr, te in folds.split(z[:n_lab], y_lab)]
            probe = self._probe(n_total)
            with warnings.catch_warnings():
                # An early stop shows in the cross-validated accuracy, which is what is reported.
                warnings.simplefilter("ignore", category=ConvergenceWarning)
                scores = cross_val_score(clone(probe), z, y, cv=cv, scoring="accuracy",
                                         error_score="raise")
                probe.fit(z if self.method != "logistic" else z[:n_lab],
                          y if self.method != "logistic" else y_lab)
        return float(np.mean(scores)), probe

    # ------------------------------------------------------------------ predict
    def predict_concepts(
        self, X: Any, *, return_predictions: bool = False
    ) -> dict[str, np.ndarray] | tuple[dict[str, np.ndarray], np.ndarray]:
        """Predict every concept from its best layer, streaming ``X`` in batches.

        Memory holds one batch of activations plus the (N,) predicted labels, whatever N.

        Parameters
        ----------
        X : tensor, array, DataLoader or iterable of batches
        return_predictions : bool, default=False
            Also return the model's predicted classes (read with ``task``), from the same
            forward passes.

        Returns
        -------
        concepts : dict of str to np.ndarray of shape (N,)
            Predicted values (same type as the labels given to :meth:`fit`).
        predictions : np.ndarray of shape (N,)
            Only with ``return_predictions=True``.
        """
        self._check_fitted("predict_concepts()")
        layers = [layer for layer in self.layers_ if layer in self.best_layer_.values()]
        probe = ModelProbe(self.model, layers, reduce=self._reducers(self.model, layers))
        if hasattr(X, "to_numpy"):
            X = as_tensor(X, "X")
        task = None
        sized = isinstance(X, (torch.Tensor, np.ndarray))
        # Preallocated (or doubled when N is unknown): see _collect on heap fragmentation.
        capacity = len(X) if sized else 4096
        codes = np.empty((capacity, len(self.concept_names_)), dtype=np.int64)
        preds = np.empty(capacity, dtype=np.int64)
        filled = 0
        total = -(-len(X) // self.batch_size) if sized else None
        for batch, out, acts in self._bar(probe.iter_batches(X, batch_size=self.batch_size,
                                                             name="X"),
                                          desc="concepts", unit="batch", total=total):
            b = len(batch)
            if filled + b > len(codes):
                grow = max(filled + b, 2 * len(codes))
                codes = np.resize(codes, (grow, codes.shape[1]))
                preds = np.resize(preds, grow)
            for layer in layers:
                z = self.reducers_[layer].transform(acts[layer].numpy())
                for j, k in enumerate(self.concept_names_):
                    if self.best_layer_[k] == layer:
                        codes[filled:filled + b, j] = self.probes_[layer, k].predict(z)
            if return_predictions:
                out = check_model_output(read_output(out), b)
                task = task or infer_task(self.task, out.shape[1])
                if not task.is_classifier:
                    raise ValueError("argument 'task': a concept tree explains a classifier's "
                                     "predicted classes; got task='regression' (its outputs "
                                     "are not classes)")
                preds[filled:filled + b] = task.predict(out).numpy()
            filled += b
        result = {k: self.concept_values_[k][codes[:filled, j]]
                  for j, k in enumerate(self.concept_names_)}
        if return_predictions:
            return result, preds[:filled].copy()
        return result

    def predict_concept_proba(self, X: Any) -> dict[str, np.ndarray]:
        """Probability of every value of every concept, from its best layer (what
        :meth:`predict_concepts` takes the most probable of), streaming ``X`` in batches.

        Parameters
        ----------
        X : tensor, array, DataLoader or iterable of batches

        Returns
        -------
        dict of str to np.ndarray of shape (N, V)
            Per concept, one column per value of :attr:`concept_values_` (in that order); a
            value the probe never saw labelled has probability 0.
        """
        self._check_fitted("predict_concept_proba()")
        best = self.layer_concept_proba(X, sorted(set(self.best_layer_.values()),
                                                  key=self.layers_.index), best_only=True)
        return {k: best[self.best_layer_[k]][k] for k in self.concept_names_}

    def layer_concept_proba(self, X: Any, layers: Sequence[str] | None = None, *,
                            best_only: bool = False) -> dict[str, dict[str, np.ndarray]]:
        """Probability of every value of every concept from the probes of each of ``layers``
        (one pass over ``X``): how well each layer encodes each concept, sample by sample.

        Parameters
        ----------
        X : tensor, array, DataLoader or iterable of batches
        layers : sequence of str, optional
            Fitted layers (:attr:`layers_`); default: all of them.
        best_only : bool, default=False
            Only the concepts each layer is the best layer of.

        Returns
        -------
        dict of str to dict of str to np.ndarray of shape (N, V)
            ``out[layer][concept]``: one column per value of :attr:`concept_values_`.
        """
        self._check_fitted("layer_concept_proba()")
        if layers is None:
            layers = list(self.layers_)
        unknown = [layer for layer in layers if layer not in self.layers_]
        if isinstance(layers, str) or unknown or not layers:
            raise ValueError(f"argument 'layers': expected a list of fitted layers among "
                             f"{self.layers_}, got {layers!r}")
        layers = list(dict.fromkeys(layers))
        wanted = {layer: [k for k in self.concept_names_
                          if not best_only or self.best_layer_[k] == layer] for layer in layers}
        probe = ModelProbe(self.model, layers, reduce=self._reducers(self.model, layers))
        if hasattr(X, "to_numpy"):
            X = as_tensor(X, "X")
        parts: dict[str, dict[str, list[np.ndarray]]] = {
            layer: {k: [] for k in ks} for layer, ks in wanted.items()}
        for _batch, _out, acts in probe.iter_batches(X, batch_size=self.batch_size, name="X"):
            for layer in layers:
                z = self.reducers_[layer].transform(acts[layer].numpy())
                for k in wanted[layer]:
                    est = self.probes_[layer, k]
                    p = np.zeros((len(z), len(self.concept_values_[k])))
                    p[:, np.asarray(est.classes_, dtype=np.int64)] = est.predict_proba(z)
                    parts[layer][k].append(p)
        return {layer: {k: (np.concatenate(v) if v
                            else np.zeros((0, len(self.concept_values_[k]))))
                        for k, v in ks.items()} for layer, ks in parts.items()}
