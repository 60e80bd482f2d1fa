"""Writes notebooks/05_cme_sprites.ipynb (kept as code so diffs stay readable)."""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# Which concepts does a CNN use? Concept-based model extraction on dSprites

**CME** (Kazhdan et al., CIKM 2020 workshop, arXiv 2010.13233) explains a trained network in two
steps:

1. **input → concepts**: for every hidden layer and every human concept (shape, scale, rotation,
   position), fit a small probe on the layer's activations. The probe tells *where* each concept is
   represented. Each concept is then predicted from its best layer.
2. **concepts → output**: a shallow decision tree maps the predicted concepts to **the model's own
   predictions**. If the tree agrees with the model (high *fidelity*), it is a readable account of
   what the model computes.

The data are procedurally rendered dSprites (white squares, ellipses and hearts at 6 scales,
8 rotations and 16 x 16 positions: the paper's "small skip" grid). Two small CNNs are trained on
CPU, one to classify the **shape** (3 classes), one the **shape and scale** pair (18 classes). The
whole notebook runs in a few minutes on two CPU cores, and everything is seeded."""),
    code("""import time

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

import xaiwidgets as xw
from xaiwidgets.datasets.sprites import CME_SMALL_SKIP_GRID, SHAPE_NAMES, Sprites, load_sprites
from xaiwidgets.examples import SpritesCNN, train_classifier

start = time.perf_counter()
torch.manual_seed(0)
np.random.seed(0)
# One thread for torch and for scikit-learn's BLAS: on a shared 2-core machine a second thread
# mostly waits for (or spins against) the first.
torch.set_num_threads(1)
threadpool_limits(1)"""),
    md("""## 1. Data: 24,000 sprites with their concepts

20,000 images train the CNNs, 4,000 are held out. The concept labels are the generator's latent
factors. Orientation is in degrees; the 16 x and y positions are binned into 4 columns / rows
(`posX = 0` is the left quarter, `posY = 0` the top quarter)."""),
    code("""data = load_sprites(24_000, seed=0, grid=CME_SMALL_SKIP_GRID, task="shape_scale")
sprites = Sprites()
concepts = {
    "shape": np.array(SHAPE_NAMES)[data.concepts["shape"]],
    "scale": np.round(sprites.scale_values[data.concepts["scale"]], 1),
    "orientation": np.round(np.degrees(
        sprites.orientation_values[data.concepts["orientation"]])).astype(int),
    "posX": data.concepts["posX"] // 8,  # 32 classes (16 on this grid) -> 4 bins
    "posY": data.concepts["posY"] // 8,
}
train, test = np.arange(20_000), np.arange(20_000, 24_000)
x = torch.from_numpy(data.images)
x_train, x_test = x[train], x[test]
c_train = {k: v[train] for k, v in concepts.items()}
c_test = {k: v[test] for k, v in concepts.items()}
print(x.shape, {k: sorted(set(v.tolist())) for k, v in concepts.items() if k != "orientation"})"""),
    md("""## 2. A CNN that classifies the shape

`SpritesCNN` is three conv blocks and a global max-pool (see `xaiwidgets.examples`): cheap on a
CPU and indifferent to where the sprite is. Two epochs with a one-cycle learning rate."""),
    code("""y_shape = data.concepts["shape"]
shape_model = SpritesCNN(n_classes=3)
report = train_classifier(shape_model, x_train, y_shape[train], x_test, y_shape[test],
                          epochs=2, lr=1e-2, one_cycle=True, seed=0)
print(f"shape CNN: test accuracy {report.test_accuracy:.4f} ({report.seconds:.0f} s)")"""),
    md("""## 3. Where is each concept represented?

`ConceptExtractor` probes the outputs of the four ReLUs and the logits. Like the paper it is
*semi-supervised*: only **200 images have concept labels**, and label spreading
(`sklearn.semi_supervised.LabelSpreading`) also uses 1,000 unlabelled images. Conv maps are
reduced to the mean and max over a 2 x 2 grid and then to 32 PCA components before probing, and
each (layer, concept) accuracy is a 5-fold cross-validation on the labelled images. Activations are
captured in place with hooks, in batches; the model is left exactly as it was."""),
    code("""layers = ["relu1", "relu2", "relu3", "relu4", "fc2"]
cme_shape = xw.ConceptExtractor(layers, method="label_spreading", n_labelled=200,
                                n_unlabelled=1000, random_state=0)
cme_shape.fit(shape_model, x_train, c_train)
pd.DataFrame(cme_shape.accuracy_, index=layers, columns=cme_shape.concept_names_).round(3)"""),
    md("""Shape is only decodable after the global max-pool (`relu4`, `fc2`): the conv layers'
pooled maps are dominated by *where* the sprite is, which is exactly what they encode best
(`posX`, `posY` peak at `relu3`). This network has no reason to keep the scale or the orientation,
and with 200 labels little of either shows (scale 46 % against 17 % chance, orientation 25 %
against 12.5 %).

Is the scale gone, or just hard to find with 200 labels? A supervised linear probe with 3,000
labelled images on globally pooled conv maps (`pool=1`) answers it:"""),
    code("""scale_probe = xw.ConceptExtractor(["relu2", "relu3"], method="logistic",
                                  n_labelled=3000, pool=1, n_components=64, random_state=0)
scale_probe.fit(shape_model, x_train, {"scale": c_train["scale"]})
held_out = scale_probe.predict_concepts(x_test)["scale"]
cv = scale_probe.accuracy_[:, 0].round(3)
print("CV accuracy per layer:", dict(zip(scale_probe.layers_, cv.tolist())))
print(f"scale from {scale_probe.best_layer_['scale']}, held out: "
      f"{np.mean(held_out == c_test['scale']):.3f}")"""),
    md("""The scale *is* there, in the last conv block, before the max-pool discards most of it; it
just takes many more labels than the shape to read it out.

## 4. A concept tree that mimics the CNN

Concepts are predicted from each concept's best layer for 5,000 training images and a tree is
fitted to the CNN's predictions, with the defaults: at most 6 levels, at least 5 images per leaf,
and splits that barely lower the impurity pruned (`ccp_alpha=1e-3`). A *reference* tree is trained
on the true concepts. `evaluate` scores both on the 4,000 held-out images."""),
    code("""fit_idx = np.arange(5_000)
p_fit, m_fit = cme_shape.predict_concepts(x_train[fit_idx], return_predictions=True)
p_test, m_test = cme_shape.predict_concepts(x_test, return_predictions=True)
tree_shape = xw.ConceptTree().fit(
    p_fit, m_fit, true_concepts={k: v[fit_idx] for k, v in c_train.items()})
r_shape = tree_shape.evaluate(p_test, m_test, y_true=y_shape[test], true_concepts=c_test)
print(tree_shape.export_text(class_names=SHAPE_NAMES))
pd.Series(r_shape.summary()).round(4)"""),
    md("""## 5. The tree, interactively

* each node shows its test in words, how many of the shown test images reach it, the tree's
  **fidelity** to the CNN there and a bar of the CNN's predictions (colours in the legend);
* **click a node** to see thumbnails of the images that reach it (red outline: the tree and the
  CNN disagree) and **click a thumbnail** to highlight that image's path;
* `±` under a node collapses it; drag to pan, ctrl + wheel to zoom, *fit* to recentre;
* the table below the tree is the layer x concept accuracy from step 3: **click a concept** to
  outline the nodes that test it.

Everything but the thumbnails (fetched from the kernel when you click) runs in the browser."""),
    code("""shown = np.arange(1_000)
widget_shape = xw.ConceptTreeWidget.from_estimator(
    tree_shape, x_test[shown], extractor=cme_shape,
    concepts={k: v[shown] for k, v in p_test.items()}, model_pred=m_test[shown],
    y_true=y_shape[test][shown], class_names=SHAPE_NAMES,
    title="Shape CNN explained by concepts")
widget_shape"""),
    md("""## 6. Shape *and* scale: 18 classes

Same architecture, now trained to tell the 18 (shape, scale) pairs apart. The tree needs more
levels: two to tell the three shapes apart, about three for six scales."""),
    code("""y_pair = data.target  # shape * 6 + scale
pair_model = SpritesCNN(n_classes=18)
report_pair = train_classifier(pair_model, x_train, y_pair[train], x_test, y_pair[test],
                               epochs=2, lr=1e-2, one_cycle=True, seed=0)
print(f"shape_scale CNN: test accuracy {report_pair.test_accuracy:.4f} "
      f"({report_pair.seconds:.0f} s)")

cme_pair = xw.ConceptExtractor(layers, method="label_spreading", n_labelled=200,
                               n_unlabelled=1000, random_state=0).fit(pair_model, x_train, c_train)
pd.DataFrame(cme_pair.accuracy_, index=layers, columns=cme_pair.concept_names_).round(3)"""),
    code("""q_fit, n_fit = cme_pair.predict_concepts(x_train[fit_idx], return_predictions=True)
q_test, n_test = cme_pair.predict_concepts(x_test, return_predictions=True)
tree_pair = xw.ConceptTree().fit(
    q_fit, n_fit, true_concepts={k: v[fit_idx] for k, v in c_train.items()})
r_pair = tree_pair.evaluate(q_test, n_test, y_true=y_pair[test], true_concepts=c_test)
pd.Series(r_pair.summary()).round(4)"""),
    code("""widget_pair = xw.ConceptTreeWidget.from_estimator(
    tree_pair, x_test[shown], extractor=cme_pair,
    concepts={k: v[shown] for k, v in q_test.items()}, model_pred=n_test[shown],
    y_true=y_pair[test][shown], class_names=data.target_names, collapse_depth=3,
    title="Shape x scale CNN explained by concepts")
widget_pair"""),
    md("""## 7. How wrong are the concepts, and what if a person fixed them?

**MPO** (mis-prediction overlap) is the fraction of test images with at least *m* wrongly predicted
concepts. The **intervention** curve replaces the predicted value of the *i* most important concepts
(ranked by the reference tree) with the truth and re-applies the same tree."""),
    code("""pd.DataFrame({
    "MPO, shape CNN": r_shape.mpo, "MPO, shape_scale CNN": r_pair.mpo,
}, index=pd.Index(range(len(r_shape.mpo)), name="at least m wrong concepts")).round(4)"""),
    code("""pd.DataFrame({
    "corrected concept": ["(none)", *r_pair.intervention_order],
    "fidelity": r_pair.intervention_fidelity, "accuracy": r_pair.intervention_accuracy,
}).round(4)"""),
    md("""## 8. Share it

`to_html` writes one offline page (no kernel, no CDN) with the tree, the heatmap and the
thumbnails embedded in the widget (`embed_per_node` per node)."""),
    code("""widget_pair.to_html("cme_shape_scale_tree.html")
rows = {
    "shape": [report.test_accuracy, r_shape.fidelity, r_shape.accuracy, r_shape.depth],
    "shape_scale": [report_pair.test_accuracy, r_pair.fidelity, r_pair.accuracy, r_pair.depth],
}
summary = pd.DataFrame(rows, index=["CNN test accuracy", "tree fidelity", "tree accuracy",
                                    "tree depth"]).T
for name, r in (("shape", r_shape), ("shape_scale", r_pair)):
    for k, v in r.concept_accuracy.items():
        summary.loc[name, f"{k} accuracy"] = v
print(f"notebook ran in {time.perf_counter() - start:.0f} s")
summary.round(4)"""),
    md("""## What we measured

Seeded, so every run gives these numbers (the whole notebook takes about one to two minutes on two
busy CPU cores, one thread). Concept accuracies are on the 4,000 held-out images; positions are in 4
bins (chance 25 %), orientation has 8 values (chance 12.5 %).

| | shape CNN | shape_scale CNN |
|---|---|---|
| CNN test accuracy | 99.65 % | 99.25 % |
| concept accuracy: shape | 99.5 % | 97.6 % |
| concept accuracy: scale | 45.9 % (88.5 % with 3,000 labels, linear probe) | 99.9 % |
| concept accuracy: orientation / posX / posY | 23.8 / 84.1 / 83.6 % | 13.8 / 79.0 / 72.6 % |
| tree fidelity to the CNN (held out) | 99.6 % | 97.8 % |
| tree depth / leaves | 2 / 3 | 6 / 18 (one per class) |
| reference tree on true concepts: fidelity | 99.65 % | 99.25 % |

* **Where concepts live.** Shape and scale are only readable after the global max-pool (`relu4`,
  `fc2`) with 200 labels; position is best read from the conv blocks (`relu2`, `relu3`), and is
  gone after the pool. The shape CNN still holds the scale in its last conv block (88.5 % with
  3,000 labels and a linear probe) but the max-pool drops most of it, so 200 labels find only
  46 %; the shape_scale CNN, which needs it, makes it plain (99.9 % with 200). Neither keeps the
  orientation, which the max-pool throws away and which a square does not even define beyond 90°.
* **Trees.** The shape CNN is, to 99.6 % of held-out images, the three-leaf rule "ellipse? else
  square? else heart". The shape_scale CNN is an 18-leaf tree of shape tests and scale thresholds;
  most of its 2.2 % disagreements come from shape mistakes of the concept probes (MPO above), and
  correcting the shape concept alone brings the fidelity to 99.2 %.
* **Caveats.** Concept labels for 200 images suffice because dSprites concepts are crisp; real
  concepts are noisier. A faithful tree reproduces the CNN's *outputs* on this distribution; it
  does not prove the CNN computes the same rule internally."""),
]

nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                             "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
out = Path(__file__).resolve().parents[1] / "notebooks" / "05_cme_sprites.ipynb"
nbf.write(nb, out)
print(f"wrote {out}")
