"""Named Captum attribution methods with documented defaults, and adapters for user explainers.

The one explainer adapter shared by :mod:`xaiwidgets.attributions`, :mod:`xaiwidgets.metrics` and
:mod:`xaiwidgets.senn`; it lives in ``_core`` so that metrics work for any explainer without
importing a method subpackage.

Every method is reduced to one callable ``explain(inputs, target) -> attributions`` shaped like the
inputs (or like the embedding output for token-id inputs explained at a layer), where ``target``
is a class index for every classifier (one-logit binary models included, see
:meth:`xaiwidgets._core.task.Task.for_attribution`). Any object with Captum's
``attribute(inputs, target=...)`` signature plugs in the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from captum.attr import (
    DeepLift,
    FeatureAblation,
    GradientShap,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    LayerDeepLift,
    LayerGradientXActivation,
    LayerIntegratedGradients,
    Occlusion,
    Saliency,
)
from torch import nn

from .task import Task
from .validation import check_int, describe

__all__ = ["LAYER_METHODS", "METHODS", "METHOD_OPTIONS", "Method", "check_explained_targets",
           "resolve_methods"]

Explain = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Method:
    """One attribution method ready to run: a display label, ``explain(inputs, target)`` and
    how many copies of each sample it pushes through the model at once (``expansion``), so the
    caller can keep the expanded batch within memory."""

    name: str
    label: str
    explain: Explain
    expansion: int = 1
    takes_target: bool = True


def check_explained_targets(methods: Sequence[Method], target: torch.Tensor,
                            pred: torch.Tensor, name: str = "methods") -> None:
    """An explainer whose ``attribute`` takes no target explains one thing per sample whatever
    class is asked: it may only be asked for the model's predicted class. Refuse targets that
    differ from the predictions rather than give the same map for every class."""
    differ = (target.reshape(-1).cpu() != pred.reshape(-1).cpu()).nonzero().flatten()
    if not len(differ):
        return
    for m in methods:
        if not m.takes_target:
            raise ValueError(
                f"argument '{name}': {m.label!r} has attribute(inputs) without a target "
                f"parameter, so its maps are the same whatever class is explained; the targets "
                f"asked differ from the model's predictions at samples {differ[:10].tolist()}. "
                "Give its attribute a target parameter (attribute(inputs, target=None)), or "
                "explain the predicted classes (target=None)")


#: copies of each sample per model pass (IG: its internal batch; GradientSHAP: its samples;
#: occlusion / ablation: perturbations per evaluation; DeepLift: inputs and baselines)
EXPANSION = {"integrated_gradients": 10, "gradient_shap": 20, "occlusion": 16,
             "feature_ablation": 16, "deeplift": 2}


def _occlusion_window(x: torch.Tensor, kind: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Non-overlapping patches of ~1/7 of the image side; one feature/step otherwise."""
    if kind == "image":
        c, h, w = x.shape[1:]
        kh, kw = max(1, h // 7), max(1, w // 7)
        return (c, kh, kw), (c, kh, kw)
    if kind == "sequence":
        f = x.shape[2]
        return (1, f), (1, f)
    return (1,), (1,)


#: name -> the options a named method takes (``method_options=``), with their defaults.
#: Integrated Gradients' ``n_steps``: points of its path integral (Captum's Gauss-Legendre rule);
#: its cost is proportional to them, and fewer steps approximate the integral less closely.
METHOD_OPTIONS: dict[str, dict[str, Any]] = {"integrated_gradients": {"n_steps": 50}}


def _integrated_gradients(model: nn.Module, kind: str, n_steps: int = 50) -> Explain:
    ig = IntegratedGradients(model)
    return lambda x, t: ig.attribute(x, baselines=torch.zeros_like(x), target=t, n_steps=n_steps,
                                     internal_batch_size=max(1, x.shape[0]) * 10)


def _saliency(model: nn.Module, kind: str) -> Explain:
    sal = Saliency(model)
    return lambda x, t: sal.attribute(x, target=t, abs=True)


def _occlusion(model: nn.Module, kind: str) -> Explain:
    occ = Occlusion(model)

    def explain(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        window, strides = _occlusion_window(x, kind)
        return occ.attribute(x, sliding_window_shapes=window, strides=strides, baselines=0.0,
                             target=t, perturbations_per_eval=16)

    return explain


def _gradient_shap(model: nn.Module, kind: str) -> Explain:
    gs = GradientShap(model)

    def explain(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # Baseline distribution: the zero input and the batch mean (docs/methods/attributions.md).
        baselines = torch.cat([torch.zeros_like(x[:1]), x.mean(dim=0, keepdim=True)])
        return gs.attribute(x, baselines=baselines, target=t, n_samples=20, stdevs=0.0)

    return explain


def _deeplift(model: nn.Module, kind: str) -> Explain:
    dl = DeepLift(model)
    return lambda x, t: dl.attribute(x, baselines=torch.zeros_like(x), target=t)


def _input_x_gradient(model: nn.Module, kind: str) -> Explain:
    ixg = InputXGradient(model)
    return lambda x, t: ixg.attribute(x, target=t)


def _guided_backprop(model: nn.Module, kind: str) -> Explain:
    gbp = GuidedBackprop(model)
    return lambda x, t: gbp.attribute(x, target=t)


def _feature_ablation(model: nn.Module, kind: str) -> Explain:
    fa = FeatureAblation(model)
    return lambda x, t: fa.attribute(x, baselines=0.0, target=t, perturbations_per_eval=16)


#: name -> (label, factory(model, kind) -> explain); defaults: docs/methods/attributions.md.
METHODS: dict[str, tuple[str, Callable[..., Explain]]] = {
    "integrated_gradients": ("Integrated Gradients", _integrated_gradients),
    "saliency": ("Saliency", _saliency),
    "occlusion": ("Occlusion", _occlusion),
    "gradient_shap": ("GradientSHAP", _gradient_shap),
    "deeplift": ("DeepLift", _deeplift),
    "input_x_gradient": ("Input × Gradient", _input_x_gradient),
    "guided_backprop": ("Guided Backprop", _guided_backprop),
    "feature_ablation": ("Feature Ablation", _feature_ablation),
}


# -- token ids explained at an embedding layer ------------------------------------------------
# Attributions are (N, T, E) at the layer (occlusion / feature ablation: (N, T) on the ids);
# the baseline is the sequence of ``baseline_id`` tokens (e.g. the pad id).
LayerExplain = Callable[..., Explain]


def _layer_integrated_gradients(model: nn.Module, layer: nn.Module, base: int,
                                n_steps: int = 50) -> Explain:
    lig = LayerIntegratedGradients(model, layer)
    return lambda x, t: lig.attribute(x, baselines=torch.full_like(x, base), target=t,
                                      n_steps=n_steps,
                                      internal_batch_size=max(1, x.shape[0]) * 10)


def _layer_saliency(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    lga = LayerGradientXActivation(model, layer, multiply_by_inputs=False)
    return lambda x, t: lga.attribute(x, target=t).abs()


def _layer_input_x_gradient(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    lga = LayerGradientXActivation(model, layer, multiply_by_inputs=True)
    return lambda x, t: lga.attribute(x, target=t)


def _layer_deeplift(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    ldl = LayerDeepLift(model, layer)
    return lambda x, t: ldl.attribute(x, baselines=torch.full_like(x, base), target=t)


def _with_layer_output(model: nn.Module, layer: nn.Module) -> Callable[..., torch.Tensor]:
    """forward(values, ids): the model on ``ids`` with ``layer``'s output replaced by ``values``.
    (Captum's LayerGradientShap adds noise to the *inputs*, which token ids cannot take.)"""

    def forward(values: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        handle = layer.register_forward_hook(lambda _m, _i, _o: values)
        try:
            return model(ids)
        finally:
            handle.remove()

    return forward


def _layer_output(model: nn.Module, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    seen: list[torch.Tensor] = []
    handle = layer.register_forward_hook(lambda _m, _i, o: seen.append(o.detach()))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    return seen[0]


def _layer_gradient_shap(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    gs = GradientShap(_with_layer_output(model, layer))

    def explain(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # the layer's outputs on the ids and on the all-baseline-token sequence (the baseline
        # distribution), captured with a hook so any layer works, not just a first embedding
        emb, base_emb = _layer_output(model, layer, x), _layer_output(model, layer,
                                                                       torch.full_like(x[:1], base))
        return gs.attribute(emb, baselines=base_emb, target=t, n_samples=20, stdevs=0.0,
                            additional_forward_args=(x,))

    return explain


def _token_occlusion(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    occ = Occlusion(model)
    return lambda x, t: occ.attribute(x, sliding_window_shapes=(1,), strides=(1,), baselines=base,
                                      target=t, perturbations_per_eval=16)


def _token_feature_ablation(model: nn.Module, layer: nn.Module, base: int) -> Explain:
    fa = FeatureAblation(model)
    return lambda x, t: fa.attribute(x, baselines=base, target=t, perturbations_per_eval=16)


#: name -> factory(model, layer, baseline_id) for (N, T) token ids explained at ``layer``.
LAYER_METHODS: dict[str, LayerExplain] = {
    "integrated_gradients": _layer_integrated_gradients,   # LayerIntegratedGradients
    "saliency": _layer_saliency,                           # |LayerGradientXActivation| w/o input
    "input_x_gradient": _layer_input_x_gradient,           # LayerGradientXActivation
    "gradient_shap": _layer_gradient_shap,                 # GradientShap in embedding space
    "deeplift": _layer_deeplift,                           # LayerDeepLift
    "occlusion": _token_occlusion,                         # Occlusion on ids, baseline id
    "feature_ablation": _token_feature_ablation,           # FeatureAblation on ids, baseline id
}


def _from_explainer(obj: Any, label: str, task: Task) -> Method:
    attribute = obj.attribute
    try:
        params = inspect.signature(attribute).parameters
        takes_target = "target" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):  # builtins without a signature: assume Captum's
        takes_target = True

    def explain(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if not takes_target:  # e.g. explainers of the model's own prediction
            return attribute(x)
        if task.kind == "multiclass":
            return attribute(x, target=t)
        # A one-output model: Captum explainers built on it explain output 0, the logit
        # (class-1 evidence) of a binary model. Signed maps are negated for class-0 targets;
        # unsigned ones (importance, e.g. |gradient|) have no direction to flip.
        a = attribute(x, target=torch.zeros_like(t))
        if task.kind == "binary" and isinstance(a, torch.Tensor) and bool((a < 0).any()):
            sign = (2 * t - 1).to(a.dtype).reshape(-1, *([1] * (a.ndim - 1)))
            a = a * sign
        return a

    return Method(name=label, label=label, explain=explain, takes_target=takes_target)


def _label_of(obj: Any) -> str:
    return str(getattr(obj, "label", None) or type(obj).__name__)


def _check_options(items: list[tuple[Any, Any]], options: Mapping[str, Mapping[str, Any]] | None,
                   name: str) -> dict[str, dict[str, Any]]:
    """``{label or method name: {option: value}}`` checked against the named methods given."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"argument '{name}': expected a dict of method name or label -> dict of "
                        f"options, e.g. {{'integrated_gradients': {{'n_steps': 16}}}}, got "
                        f"{describe(options)}")
    named = {}  # key (label or name) -> method name, for named entries
    for label, m in items:
        if isinstance(m, str):
            named[m] = m
            named[label or METHODS.get(m, (m,))[0]] = m
    out: dict[str, dict[str, Any]] = {}
    for key, kw in options.items():
        if key not in named:
            raise ValueError(f"argument '{name}': {key!r} is not a named method of this call; "
                             f"expected one of {sorted(named)}")
        accepted = METHOD_OPTIONS.get(named[key], {})
        if not isinstance(kw, Mapping):
            raise TypeError(f"argument '{name}': the options of {key!r} must be a dict, got "
                            f"{describe(kw)}")
        unknown = sorted(set(kw) - set(accepted))
        if unknown:
            raise ValueError(f"argument '{name}': {named[key]!r} takes no option {unknown}; "
                             f"it takes {sorted(accepted) or 'none'}")
        # every option so far is a positive count (n_steps)
        out[key] = {k: check_int(v, f"{name}[{key!r}][{k!r}]", low=1) for k, v in kw.items()}
    return out


def resolve_methods(
    model: nn.Module,
    methods: Sequence[Any] | Mapping[str, Any],
    kind: str,
    name: str = "methods",
    *,
    task: Task | None = None,
    layer: nn.Module | None = None,
    baseline_id: int = 0,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    options_name: str = "method_options",
) -> list[Method]:
    """Turn names, Captum-style explainers or ``{label: name_or_explainer}`` into Methods.

    Named methods explain ``task.for_attribution(model)``, so ``target`` is a class index for
    every classifier. With ``layer`` (token-id inputs), names map to :data:`LAYER_METHODS` at
    that layer. ``options`` sets a named method's options (:data:`METHOD_OPTIONS`), keyed by its
    display label (that entry only) or by its method name (every entry of that name)."""
    task = task or Task("multiclass", 2)
    if methods is None or isinstance(methods, (str, bytes)) or not isinstance(
            methods, (Sequence, Mapping)):
        raise TypeError(f"argument '{name}': expected a list of method names or explainers, got "
                        f"{describe(methods)}")
    items = list(methods.items()) if isinstance(methods, Mapping) else [(None, m) for m in methods]
    if not items:
        raise ValueError(f"argument '{name}': expected at least one method, got none. Known "
                         f"names: {sorted(METHODS)}")
    opts = _check_options(items, options, options_name)
    forward = task.for_attribution(model)
    resolved: list[Method] = []
    for label, m in items:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"argument '{name}': labels must be str, got {describe(label)}")
        if isinstance(m, str):
            if m not in METHODS:
                raise ValueError(f"argument '{name}': unknown method {m!r}; expected one of "
                                 f"{sorted(METHODS)} or an object with "
                                 "attribute(inputs, target=...)")
            default_label, factory = METHODS[m]
            kw = opts.get(label or default_label, opts.get(m, {}))
            if layer is not None:
                if m not in LAYER_METHODS:
                    raise ValueError(f"argument '{name}': {m!r} has no layer variant for token-id "
                                     f"inputs; expected one of {sorted(LAYER_METHODS)}")
                explain = LAYER_METHODS[m](forward, layer, baseline_id, **kw)
            else:
                explain = factory(forward, kind, **kw)
            resolved.append(Method(name=m, label=label or default_label, explain=explain,
                                   expansion=EXPANSION.get(m, 1)))
        elif isinstance(m, type):
            raise TypeError(f"argument '{name}': got the class {m.__name__}, expected an "
                            f"instance bound to the model, e.g. {m.__name__}(model)")
        elif callable(getattr(m, "attribute", None)):
            resolved.append(_from_explainer(m, label or _label_of(m), task))
        else:
            raise TypeError(f"argument '{name}': {describe(m)} is neither a known method name nor "
                            "an object with attribute(inputs, target=...)")
    labels = [m.label for m in resolved]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ValueError(f"argument '{name}': duplicate method labels {dupes}; pass a dict "
                         "{label: method} to name them apart")
    return resolved
