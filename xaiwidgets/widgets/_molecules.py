"""Molecule drawings (RDKit) with atoms coloured by per-token values, for static snapshots."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np

from ..datasets.smiles import atom_token_positions, tokenize_smiles

__all__ = ["draw_molecule_svg", "svg_data_uri"]


def _colour(v: float, signed: bool) -> tuple[float, float, float]:
    """White -> red for unsigned values in [0, 1]; blue <- white -> red for signed in [-1, 1]."""
    v = float(np.clip(v, -1.0, 1.0))
    if v >= 0 or not signed:
        v = abs(v)
        return (1.0, 1.0 - 0.85 * v, 1.0 - 0.85 * v)
    return (1.0 + 0.85 * v, 1.0 + 0.55 * v, 1.0)


def draw_molecule_svg(
    smiles: str,
    token_values: Sequence[float] | np.ndarray,
    *,
    signed: bool | None = None,
    size: tuple[int, int] = (280, 210),
    legend: str = "",
) -> str:
    """The molecule as an SVG, every atom highlighted by the value of its SMILES token.

    Parameters
    ----------
    smiles : str
    token_values : sequence of float
        One value per token of ``tokenize_smiles(smiles)`` (longer inputs, e.g. padded, are cut).
        Values are scaled by their largest magnitude.
    signed : bool, optional
        Diverging blue/red colours (default: if any value is negative); otherwise white to red.
    size : (width, height)
    legend : str
        Text drawn under the molecule (by RDKit, as SVG text).

    Returns
    -------
    str
        SVG markup. Show it as ``<img src="data:image/svg+xml;base64,...">`` (see
        :func:`svg_data_uri`), which no script inside can run from.
    """
    from rdkit import Chem
    from rdkit.Chem.Draw import rdMolDraw2D

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"argument 'smiles': RDKit cannot parse {smiles!r}")
    pos = atom_token_positions(smiles)
    if len(pos) != mol.GetNumAtoms():
        raise ValueError(f"argument 'smiles': {len(pos)} atom tokens but RDKit sees "
                         f"{mol.GetNumAtoms()} atoms in {smiles!r}")
    vals = np.asarray(token_values, dtype=np.float64).reshape(-1)
    n_tok = len(tokenize_smiles(smiles))
    if vals.shape[0] < n_tok:
        raise ValueError(f"argument 'token_values': expected {n_tok} values (one per token of "
                         f"{smiles!r}), got {vals.shape[0]}")
    atom_vals = vals[pos]
    if signed is None:
        signed = bool((atom_vals < 0).any())
    scale = float(np.abs(atom_vals).max()) or 1.0
    colours = {i: _colour(v / scale, signed) for i, v in enumerate(atom_vals)}
    radii = {i: 0.45 for i in colours}
    drawer = rdMolDraw2D.MolDraw2DSVG(*size)
    opts = drawer.drawOptions()
    opts.clearBackground = True  # type: ignore[assignment]  # RDKit's stubs are wrong here
    opts.legendFontSize = 14  # type: ignore[assignment]
    rdMolDraw2D.PrepareAndDrawMolecule(
        drawer, mol, legend=legend, highlightAtoms=list(colours), highlightAtomColors=colours,
        highlightAtomRadii=radii, highlightBonds=[])
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for an ``<img src>`` (inert: scripts never run)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
