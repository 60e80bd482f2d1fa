"""UCR / UEA classification series shipped inside ``sktime==1.2.0``.

sktime pins ``pandas<3.1``, which clashes with ours, so it is installed for its data only
(``pip install --no-deps sktime==1.2.0``) and never imported: the ``.ts`` files are read here.
Only the sets in sktime's wheel are available offline; ``UEA_SETS`` lists the classification
ones.
"""

from __future__ import annotations

import numpy as np

from .._core.validation import check_option
from ._base import package_file
from .timeseries import SequenceDataset

__all__ = ["UEA_SETS", "load_uea"]

_INSTALL = "pip install --no-deps sktime==1.2.0"

# name -> (classes, channels, length or "ragged") as shipped in sktime 1.2.0's package data
UEA_SETS = {
    "ACSF1": (10, 1, "1460"),
    "ArrowHead": (3, 1, "251"),
    "BasicMotions": (4, 6, "100"),
    "GunPoint": (2, 1, "150"),
    "ItalyPowerDemand": (2, 1, "24"),
    "JapaneseVowels": (9, 12, "7-29"),
    "OSULeaf": (6, 1, "427"),
    "PLAID": (11, 1, "100-1344"),
}


def _read_ts(path: object) -> tuple[list[np.ndarray], list[str], list[str]]:
    """The cases of a ``.ts`` file as ``(T_i, F)`` arrays, their labels and the label list."""
    cases: list[np.ndarray] = []
    labels: list[str] = []
    classes: list[str] = []
    data = False
    with open(str(path), encoding="utf-8-sig") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not data:
                low = line.lower()
                if low.startswith("@classlabel"):
                    classes = line.split()[2:]
                data = low.startswith("@data")
                continue
            *dims, label = line.split(":")
            channels = [np.array(d.split(","), dtype=np.float64) for d in dims]
            cases.append(np.stack(channels, axis=1).astype(np.float32))
            labels.append(label.strip())
    return cases, labels, classes


def load_uea(name: str) -> SequenceDataset:
    """A UCR / UEA classification set from sktime's package data, train and test together.

    Parameters
    ----------
    name : str
        One of ``UEA_SETS``: e.g. ``"BasicMotions"`` (4 classes, 6 channels, 100 steps),
        ``"PLAID"`` (11 appliance types, univariate, 100 to 1,344 steps),
        ``"JapaneseVowels"`` (9 speakers, 12 channels, 7 to 29 steps).

    Returns
    -------
    SequenceDataset
        ``sequences`` (N, T, F) zero-padded beyond ``lengths``; ``target`` (N,) class indices
        into ``target_names`` (the file's label order); ``extra["train"]`` (N,) bool: the
        archive's own train / test split.
    """
    check_option(name, "name", list(UEA_SETS))
    parts = []
    for split in ("TRAIN", "TEST"):
        try:
            path = package_file("sktime", "datasets", "data", name, f"{name}_{split}.ts")
        except ModuleNotFoundError:
            raise ModuleNotFoundError(f"the data package 'sktime' is not installed; install its "
                                      f"data without its dependencies: `{_INSTALL}`") from None
        parts.append(_read_ts(path))
    classes = parts[0][2] or sorted({lab for p in parts for lab in p[1]})
    cases = parts[0][0] + parts[1][0]
    lengths = np.array([len(c) for c in cases], dtype=np.int64)
    x = np.zeros((len(cases), int(lengths.max()), cases[0].shape[1]), dtype=np.float32)
    for i, c in enumerate(cases):
        x[i, :len(c)] = c
    index = {c: i for i, c in enumerate(classes)}
    target = np.array([index[lab] for p in parts for lab in p[1]], dtype=np.int64)
    train = np.arange(len(cases)) < len(parts[0][0])
    return SequenceDataset(
        sequences=x, lengths=lengths, target=target,
        feature_names=[f"dim{j}" for j in range(x.shape[2])], target_names=list(classes),
        description=f"{name} (UCR/UEA archive, sktime 1.2.0 package data)",
        extra={"train": train})
