"""Molecules for the sequence view: 2-D coordinates from RDKit for the browser, and inert
RDKit SVG pictures for static snapshots.

The live view draws molecules itself (``js/src/views/molecule.ts``) from the geometry computed
here, so the colormap, threshold and opacity controls apply to atoms as they do to tokens. Atom
``i`` of a SMILES string is its ``i``-th atom token (``atom_token_positions``), and an atom's
value is the attribution of that token: the view reads it from the token heatmap, so no value
travels twice.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datasets.smiles import atom_token_positions, tokenize_smiles

__all__ = ["MoleculeGeometry", "check_smiles", "draw_molecule_svg", "molecule_block",
           "molecule_geometry", "svg_data_uri"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


@dataclass
class MoleculeGeometry:
    """One molecule as the browser draws it.

    Attributes
    ----------
    xy : ndarray of float32, shape (A, 2)
        2-D coordinates, y pointing up, scaled so that the median bond is 1 long.
    token : ndarray of int16, shape (A,)
        The SMILES token of every atom.
    labels : list of str
        Text drawn at every atom: ``""`` for a plain carbon (a vertex of the skeleton), else the
        element with its hydrogens and charge (``"OH"``, ``"NH₂"``, ``"O⁻"``...).
    pairs : ndarray of uint16, shape (B, 2)
        The two atoms of every bond.
    order : ndarray of uint8, shape (B,)
        1, 2 or 3 (aromatic rings in their Kekulé form, as RDKit draws them); 4 for an aromatic
        bond with no Kekulé form.
    """

    xy: np.ndarray
    token: np.ndarray
    labels: list[str]
    pairs: np.ndarray
    order: np.ndarray

    @property
    def nbytes(self) -> int:
        """Binary bytes on the wire (without the labels, which travel as JSON text)."""
        return int(self.xy.nbytes + self.token.nbytes + self.pairs.nbytes + self.order.nbytes)


def check_smiles(smiles: str) -> None:
    """Raise ``ValueError`` unless RDKit parses ``smiles`` with one atom per atom token."""
    _parse(smiles)


def _parse(smiles: str) -> Any:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"argument 'smiles': RDKit cannot parse {smiles!r}")
    pos = atom_token_positions(smiles)
    if len(pos) != mol.GetNumAtoms():
        raise ValueError(f"argument 'smiles': {len(pos)} atom tokens but RDKit sees "
                         f"{mol.GetNumAtoms()} atoms in {smiles!r}")
    return mol, pos


def _label(atom: Any) -> str:
    symbol = atom.GetSymbol()
    charge = atom.GetFormalCharge()
    isotope = atom.GetIsotope()
    if symbol == "C" and not charge and not isotope and atom.GetDegree() > 0:
        return ""
    hs = atom.GetTotalNumHs()
    text = (str(isotope).translate(_SUP) if isotope else "") + symbol
    if hs:
        text += "H" + (str(hs).translate(_SUB) if hs > 1 else "")
    if charge:
        mag = abs(charge)
        text += (str(mag) if mag > 1 else "").translate(_SUP) + ("⁺" if charge > 0 else "⁻")
    return text


def molecule_geometry(smiles: str) -> MoleculeGeometry:
    """2-D coordinates (RDKit's CoordGen), atom labels and Kekulé bonds of ``smiles``.

    Raises ``ValueError`` if RDKit cannot parse it or its atoms do not match its atom tokens.
    """
    from rdkit import Chem
    from rdkit.Chem import rdDepictor

    mol, pos = _parse(smiles)
    mol = Chem.Mol(mol)
    try:
        from rdkit.Chem import rdCoordGen  # nicer rings than the default depictor

        rdCoordGen.AddCoords(mol)
    except Exception:  # pragma: no cover - builds without CoordGen
        rdDepictor.Compute2DCoords(mol)
    n = mol.GetNumAtoms()
    xy = (mol.GetConformer().GetPositions()[:, :2] if n else np.zeros((0, 2))).astype(np.float64)
    kek = Chem.Mol(mol)
    try:
        Chem.Kekulize(kek, clearAromaticFlags=True)
        bonds = list(kek.GetBonds())
    except Exception:  # an aromatic system with no Kekulé form: order 4
        bonds = list(mol.GetBonds())
    pairs = np.array([[b.GetBeginAtomIdx(), b.GetEndAtomIdx()] for b in bonds],
                     dtype=np.uint16).reshape(-1, 2)
    order = np.array([4 if b.GetIsAromatic() else min(3, max(1, round(b.GetBondTypeAsDouble())))
                      for b in bonds], dtype=np.uint8)
    if len(pairs):
        lengths = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)
        scale = float(np.median(lengths)) or 1.0
        xy = (xy - xy.mean(axis=0)) / scale
    elif n:
        xy = xy - xy.mean(axis=0)
    return MoleculeGeometry(
        xy=xy.astype(np.float32), token=np.asarray(pos, dtype=np.int16),
        labels=[_label(a) for a in mol.GetAtoms()], pairs=pairs, order=order)


def molecule_block(mols: Sequence[MoleculeGeometry | None]) -> dict[str, Any]:
    """The ``molecules`` field of a block of K samples: every array concatenated over the
    samples, with ``atoms`` / ``bonds`` offsets of length K + 1 (``None``: no molecule)."""
    atoms = np.zeros(len(mols) + 1, dtype=np.int32)
    bonds = np.zeros(len(mols) + 1, dtype=np.int32)
    for k, m in enumerate(mols):
        atoms[k + 1] = atoms[k] + (len(m.token) if m is not None else 0)
        bonds[k + 1] = bonds[k] + (len(m.order) if m is not None else 0)
    real = [m for m in mols if m is not None]

    def cat(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        parts = [getattr(m, name) for m in real]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(shape, dtype=dtype)

    return {
        "atoms": atoms,
        "bonds": bonds,
        "xy": cat("xy", (0, 2), np.float32),
        "token": cat("token", (0,), np.int16),
        "labels": [list(m.labels) if m is not None else [] for m in mols],
        "pairs": cat("pairs", (0, 2), np.uint16),
        "order": cat("order", (0,), np.uint8),
    }


def draw_molecule_svg(
    smiles: str,
    token_colors: Sequence[str | None],
    *,
    size: tuple[int, int] = (260, 190),
    legend: str = "",
) -> str:
    """The molecule as an SVG, every atom highlighted in the colour of its SMILES token.

    Parameters
    ----------
    smiles : str
    token_colors : sequence of str or None
        ``"#rrggbb"`` per token of ``tokenize_smiles(smiles)`` (longer inputs, e.g. padded, are
        cut); ``None`` leaves that token's atom plain (e.g. below the threshold).
    size : (width, height)
    legend : str
        Text drawn under the molecule (by RDKit, as SVG text).

    Returns
    -------
    str
        SVG markup. Show it as ``<img src="data:image/svg+xml;base64,...">`` (see
        :func:`svg_data_uri`), which no script inside can run from.
    """
    from rdkit.Chem.Draw import rdMolDraw2D

    mol, pos = _parse(smiles)
    n_tok = len(tokenize_smiles(smiles))
    if len(token_colors) < n_tok:
        raise ValueError(f"argument 'token_colors': expected {n_tok} colours (one per token of "
                         f"{smiles!r}), got {len(token_colors)}")
    colours: dict[int, tuple[float, float, float]] = {}
    for atom, t in enumerate(pos):
        c = token_colors[t]
        if c:
            v = int(c.lstrip("#")[:6], 16)
            colours[atom] = ((v >> 16 & 255) / 255, (v >> 8 & 255) / 255, (v & 255) / 255)
    drawer = rdMolDraw2D.MolDraw2DSVG(*size)
    opts = drawer.drawOptions()
    opts.clearBackground = True  # type: ignore[assignment]  # RDKit's stubs are wrong here
    opts.legendFontSize = 14  # type: ignore[assignment]
    rdMolDraw2D.PrepareAndDrawMolecule(
        drawer, mol, legend=legend, highlightAtoms=list(colours), highlightAtomColors=colours,
        highlightAtomRadii=dict.fromkeys(colours, 0.45), highlightBonds=[])
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for an ``<img src>`` (inert: scripts never run)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
