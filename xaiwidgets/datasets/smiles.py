"""SMILES tokens and their atoms.

The tokenizer splits SMILES into the units chemists read (``Cl``, ``Br`` and bracket atoms like
``[nH]`` or ``[C@@H]`` are one token each) and records which token is which atom: RDKit numbers
atoms in the order they appear in the SMILES string, so the i-th atom token is atom i.
"""

from __future__ import annotations

import re

__all__ = ["SMILES_PATTERN", "atom_token_positions", "tokenize_smiles"]

#: One SMILES token: bracket atom, two-letter halogen, organic-subset atom, bond, ring closure...
SMILES_PATTERN = re.compile(
    r"(\[[^\]]+]|Br|Cl|N|O|S|P|F|I|B|C|b|c|n|o|s|p|\*|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\$"
    r"|%[0-9]{2}|[0-9])")
_ATOM = re.compile(r"^(\[[^\]]+]|Br|Cl|N|O|S|P|F|I|B|C|b|c|n|o|s|p|\*)$")


def tokenize_smiles(smiles: str) -> list[str]:
    """Split a SMILES string into tokens; raises if characters are left over."""
    if not isinstance(smiles, str):
        raise TypeError(f"argument 'smiles': expected a str, got {type(smiles).__name__}")
    tokens = SMILES_PATTERN.findall(smiles)
    if "".join(tokens) != smiles:
        raise ValueError(f"argument 'smiles': cannot tokenize {smiles!r} (unknown characters)")
    return tokens


def atom_token_positions(smiles: str) -> list[int]:
    """Token index of every atom, in RDKit's atom order (atom i -> ``positions[i]``)."""
    return [i for i, t in enumerate(tokenize_smiles(smiles)) if _ATOM.match(t)]
