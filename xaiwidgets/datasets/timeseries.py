"""Multichannel time series bundled in PyPI packages: ICU-Sepsis episodes (``icu-sepsis``) and
the UCI Occupancy readings (``river``).

Both files are read without importing their packages (``icu_sepsis`` imports gymnasium, which
the ``data`` extra does not install).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._core.random import check_seed
from .._core.validation import check_int, check_number
from ._base import Dataset, package_file

__all__ = ["ICU_FEATURES", "OCCUPANCY_FEATURES", "SequenceDataset", "humidity_ratio",
           "load_icu_sepsis", "load_occupancy"]

# The 47 columns of ``state_cluster_centers``, in the order of the ICU-Sepsis build script:
# 4 binary (- 0.5), 32 z-scored, 11 z-scored logs.
ICU_FEATURES = (
    "gender", "mechvent", "max_dose_vaso", "re_admission",
    "age", "Weight_kg", "GCS", "HR", "SysBP", "MeanBP", "DiaBP", "RR", "Temp_C", "FiO2_1",
    "Potassium", "Sodium", "Chloride", "Glucose", "Magnesium", "Calcium", "Hb", "WBC_count",
    "Platelets_count", "PTT", "PT", "Arterial_pH", "paO2", "paCO2", "Arterial_BE", "HCO3",
    "Arterial_lactate", "SOFA", "SIRS", "Shock_Index", "PaO2_FiO2", "cumulated_balance",
    "SpO2", "BUN", "Creatinine", "SGOT", "SGPT", "Total_bili", "INR", "input_total",
    "input_4hourly", "output_total", "output_4hourly",
)
OCCUPANCY_FEATURES = ("Temperature", "Humidity", "CO2", "HumidityRatio")

_DEATH, _SURVIVAL = 713, 714


@dataclass(repr=False)
class SequenceDataset(Dataset):
    """Padded sequences with their lengths and labels.

    Attributes
    ----------
    sequences : ndarray of shape (N, T, F), float32
        Right-padded with zeros beyond each sequence's length; also ``X``.
    lengths : ndarray of shape (N,), int64
    target : ndarray of shape (N,) or (N, T), int64
        One label per sequence, or one per step (padding: -1); also ``y_true``.
    feature_names, target_names : list of str
        ``target_names`` is also ``class_names``.
    description : str
    extra : dict
        Loader-specific arrays (see each loader).
    """

    sequences: np.ndarray
    lengths: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    description: str = ""
    extra: dict = field(default_factory=dict)

    _rows: ClassVar[tuple[str, ...]] = ("sequences", "lengths", "target")
    _samples: ClassVar[str] = "sequences"


def _sample_rows(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from each row's cumulative distribution ``cum`` (M, K) with uniforms u (M,)."""
    return np.minimum((cum < u[:, None] * cum[:, -1:]).sum(axis=1), cum.shape[1] - 1)


def load_icu_sepsis(
    n_episodes: int = 2000, *, seed: int = 0, max_steps: int = 40, noise: float = 0.05,
) -> SequenceDataset:
    """Patient trajectories sampled from the ICU-Sepsis MDP (Choudhary et al., RLC 2024).

    The MDP's 716 states, transition matrix and clinicians' policy were estimated from the
    MIMIC-III sepsis cohort and ship in ``icu-sepsis==2.0.1`` (extra ``data``; install it with
    ``--no-deps``). Each episode starts from the initial-state distribution and follows the
    clinicians' policy until death (state 713) or survival (714). **The trajectories are
    simulated**: only the parameters come from MIMIC, no patient record is included.

    Parameters
    ----------
    n_episodes : int, default=2000
        Episodes to sample (all finish; episodes longer than ``max_steps`` are resampled).
    seed : int, default=0
    max_steps : int, default=40
        Longest episode kept (4-hour steps). 5,000 episodes have a p95 length of 28.
    noise : float, default=0.05
        Standard deviation of Gaussian noise added to every step: a step is a state's cluster
        centre, so without it sequences are piecewise constant.

    Returns
    -------
    SequenceDataset
        ``sequences`` (N, max length, 47) z-scored clinical features (binary ones - 0.5),
        ``lengths``, ``target`` (N,) 1 = died (the 90-day mortality of the MDP's terminal
        state), ``target_names`` ``["survived", "died"]``; ``extra["states"]`` (N, T) the MDP
        states (-1 padding) and ``extra["sofa"]`` (N, T) their SOFA scores.
    """
    check_int(n_episodes, "n_episodes", low=1)
    check_int(max_steps, "max_steps", low=1)
    check_number(noise, "noise", low=0)
    rng = np.random.default_rng(check_seed(seed))
    d = np.load(package_file("icu_sepsis", "envs", "assets", "dynamics.npz"))
    tx, policy, d0 = d["tx_mat"], d["expert_policy"], d["d_0"]
    centres, sofa_table = d["state_cluster_centers"], d["sofa_scores"]
    tx_cum = np.cumsum(tx, axis=2)
    pol_cum = np.cumsum(policy, axis=1)
    d0_cum = np.cumsum(d0)[None, :]
    kept_states: list[np.ndarray] = []
    kept_len: list[np.ndarray] = []
    kept_dead: list[np.ndarray] = []
    need = n_episodes
    while need > 0:
        m = max(64, int(need * 1.3))
        s = _sample_rows(np.broadcast_to(d0_cum, (m, d0_cum.shape[1])), rng.random(m))
        states = np.full((m, max_steps), -1, dtype=np.int64)
        alive = np.ones(m, dtype=bool)
        end = np.full(m, -1, dtype=np.int64)
        for t in range(max_steps + 1):
            rows = np.flatnonzero(alive)
            if not len(rows):
                break
            cur = s[rows]
            done = cur >= _DEATH
            end[rows[done]] = cur[done]
            alive[rows[done]] = False
            rows, cur = rows[~done], cur[~done]
            if t == max_steps:
                break  # still running: truncated, resampled
            states[rows, t] = cur
            a = _sample_rows(pol_cum[cur], rng.random(len(rows)))
            s[rows] = _sample_rows(tx_cum[cur, a], rng.random(len(rows)))
        ok = (end == _DEATH) | (end == _SURVIVAL)
        lengths = (states >= 0).sum(axis=1)
        ok &= lengths > 0
        take = np.flatnonzero(ok)[:need]
        kept_states.append(states[take])
        kept_len.append(lengths[take])
        kept_dead.append((end[take] == _DEATH).astype(np.int64))
        need -= len(take)
    states = np.concatenate(kept_states)
    lengths = np.concatenate(kept_len)
    t_max = int(lengths.max())
    states = states[:, :t_max]
    valid = states >= 0
    x = np.zeros((len(states), t_max, centres.shape[1]), dtype=np.float32)
    x[valid] = centres[states[valid]]
    if noise > 0:
        x[valid] += rng.normal(0.0, noise, size=(int(valid.sum()), centres.shape[1]))
    sofa = np.where(valid, sofa_table[np.maximum(states, 0)], np.nan)
    return SequenceDataset(
        sequences=x, lengths=lengths.astype(np.int64), target=np.concatenate(kept_dead),
        feature_names=list(ICU_FEATURES), target_names=["survived", "died"],
        description="ICU-Sepsis MDP (MIMIC-III-derived parameters), simulated episodes under "
                    "the clinicians' policy; 4-hour steps; icu-sepsis 2.0.1",
        extra={"states": states, "sofa": sofa})


def humidity_ratio(temperature: np.ndarray, humidity: np.ndarray) -> np.ndarray:
    """Humidity ratio (kg water / kg dry air) from temperature (°C) and relative humidity (%):
    Magnus saturation pressure, then ``0.62198 pw / (101325 - pw)`` (UCI Occupancy's column)."""
    t = np.asarray(temperature, dtype=np.float64)
    rh = np.asarray(humidity, dtype=np.float64)
    ps = 611.2 * np.exp(17.62 * t / (243.12 + t))  # Pa
    pw = rh / 100.0 * ps
    return 0.62198 * pw / (101325.0 - pw)


def load_occupancy(length: int = 24, *, stride: int = 2, light: float = 350.0
                   ) -> SequenceDataset:
    """The UCI Occupancy readings shipped in ``river==0.26.1`` (extra ``data``), as windows.

    river ships every 16th row (one per 16 minutes) of UCI ``datatraining.txt``: 509 readings of
    Temperature, Humidity, Light and CO2 from 2015-02-04 to 2015-02-10, **without** the
    occupancy label or HumidityRatio. HumidityRatio is recomputed (:func:`humidity_ratio`). The
    label is a **proxy**: ``Light > light`` lux (default 350), which agrees with the true UCI
    label on 98.4 % of these rows. Light is therefore not a feature.

    Parameters
    ----------
    length : int, default=24
        Steps per window (24 x 16 min = 6.4 h).
    stride : int, default=2
        Steps between window starts (overlapping windows; split them by ``extra["start"]``).
    light : float, default=350
        Lux threshold of the proxy label.

    Returns
    -------
    SequenceDataset
        ``sequences`` (N, length, 4): Temperature (°C), Humidity (%), CO2 (ppm),
        HumidityRatio (kg/kg); ``target`` (N, length) 1 = occupied (proxy);
        ``extra``: ``start`` (N,) first row of each window, ``series`` (509, 4), ``light``,
        ``series_target`` and ``time`` (509,) datetime64 of the whole recording.
    """
    check_int(length, "length", low=2)
    check_int(stride, "stride", low=1)
    check_number(light, "light", low=0)
    path = package_file("river", "drift", "datasets", "occupancy.csv")
    raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
    time = raw[:, 0].astype("datetime64[m]")
    temp, hum, lux, co2 = (raw[:, i].astype(np.float64) for i in range(1, 5))
    series = np.stack([temp, hum, co2, humidity_ratio(temp, hum)], axis=1).astype(np.float32)
    target = (lux > light).astype(np.int64)
    if length > len(series):
        raise ValueError(f"argument 'length': expected at most {len(series)} steps (the "
                         f"recording's length), got {length}")
    start = np.arange(0, len(series) - length + 1, stride)
    idx = start[:, None] + np.arange(length)[None, :]
    return SequenceDataset(
        sequences=series[idx], lengths=np.full(len(start), length, dtype=np.int64),
        target=target[idx], feature_names=list(OCCUPANCY_FEATURES),
        target_names=["empty", "occupied"],
        description=f"UCI Occupancy (every 16th minute-reading, river 0.26.1); label = proxy "
                    f"Light > {light:g} lux",
        extra={"start": start, "series": series, "series_target": target, "light": lux,
               "time": time})
