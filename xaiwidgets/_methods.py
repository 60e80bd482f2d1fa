"""Named Captum attribution methods with documented defaults, and adapters for user explainers.

Every method is reduced to one callable ``explain(inputs, target) -> attributions`` shaped like the
inputs (or like the embedding output for token-id inputs explained at a layer). Any object with
Captum's ``attribute(inputs, target=...)`` signature plugs in the same way.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from captum.attr import (
    DeepLift,
    FeatureAblation,
    GradientShap,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    Occlusion,
    Saliency,
)
from torch import nn

__all__ = ["METHODS", "Method", "quiet_captum", "resolve_methods", "seeded"]

Explain = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Method:
    """One attribution method ready to run: a display label and ``explain(inputs, target)``."""

    name: str
    label: str
    explain: Explain


@contextlib.contextmanager
def quiet_captum() -> Iterator[None]:
    """Silence Captum's per-call notices about things we do on purpose (inputs get
    requires_grad; DeepLift hooks are added and removed)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Input Tensor .* did not already require")
        warnings.filterwarnings("ignore", message="Setting forward, backward hooks")
        warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU")
        yield


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's and numpy's global RNGs inside, and restore the user's states on exit
    (Captum samples from both: GradientSHAP draws its alphas with ``np.random``)."""
    np_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)


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


def _integrated_gradients(model: nn.Module, kind: str) -> Explain:
    ig = IntegratedGradients(model)
    return lambda x, t: ig.attribute(x, baselines=torch.zeros_like(x), target=t, n_steps=50,
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
        # Baseline distribution: the zero input and the batch mean (documented in the README).
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


#: name -> (label, factory(model, kind) -> explain). Defaults are documented in the README.
METHODS: dict[str, tuple[str, Callable[[nn.Module, str], Explain]]] = {
    "integrated_gradients": ("Integrated Gradients", _integrated_gradients),
    "saliency": ("Saliency", _saliency),
    "occlusion": ("Occlusion", _occlusion),
    "gradient_shap": ("GradientSHAP", _gradient_shap),
    "deeplift": ("DeepLift", _deeplift),
    "input_x_gradient": ("Input × Gradient", _input_x_gradient),
    "guided_backprop": ("Guided Backprop", _guided_backprop),
    "feature_ablation": ("Feature Ablation", _feature_ablation),
}


def _from_explainer(obj: Any, label: str) -> Method:
    attribute = obj.attribute

    def explain(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return attribute(x, target=t)

    return Method(name=label, label=label, explain=explain)


def _label_of(obj: Any) -> str:
    return str(getattr(obj, "label", None) or type(obj).__name__)


def resolve_methods(
    model: nn.Module,
    methods: Sequence[Any] | Mapping[str, Any],
    kind: str,
    name: str = "methods",
) -> list[Method]:
    """Turn names, Captum-style explainers or ``{label: name_or_explainer}`` into Methods."""
    if isinstance(methods, (str, bytes)) or not isinstance(methods, (Sequence, Mapping)):
        raise TypeError(f"argument '{name}': expected a list of method names or explainers, got "
                        f"{type(methods).__name__}")
    items = list(methods.items()) if isinstance(methods, Mapping) else [(None, m) for m in methods]
    if not items:
        raise ValueError(f"argument '{name}': expected at least one method, got none. Known "
                         f"names: {sorted(METHODS)}")
    resolved: list[Method] = []
    for label, m in items:
        if isinstance(m, str):
            if m not in METHODS:
                raise ValueError(f"argument '{name}': unknown method {m!r}; expected one of "
                                 f"{sorted(METHODS)} or an object with "
                                 "attribute(inputs, target=...)")
            default_label, factory = METHODS[m]
            resolved.append(Method(name=m, label=label or default_label,
                                   explain=factory(model, kind)))
        elif callable(getattr(m, "attribute", None)):
            resolved.append(_from_explainer(m, label or _label_of(m)))
        else:
            raise TypeError(f"argument '{name}': {m!r} is neither a known method name nor an "
                            "object with attribute(inputs, target=...)")
    labels = [m.label for m in resolved]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ValueError(f"argument '{name}': duplicate method labels {dupes}; pass a dict "
                         "{label: method} to name them apart")
    return resolved
