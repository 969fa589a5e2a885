"""DVB-S2 and DVB-S2X MODCOD tables and adaptive coding and modulation (ACM).

Required Es/N0 values are the standards' ideal figures for an AWGN linear channel at quasi-error-free
operation, without pilots:

- DVB-S2, ETSI EN 302 307-1 V1.4.1, Table 13 (normal FECFRAME, 64,800 bits, PER 10⁻⁷): 28 MODCODs.
- DVB-S2X, ETSI EN 302 307-2 V1.1.1, Table 20a (normal FECFRAME, PER 10⁻⁵): 39 MODCODs, and Table 20b (short
  FECFRAME, 16,200 bits): 17 MODCODs. The VL-SNR MODCODs of Table 20c are not included.

Spectral efficiency is information bits per transmitted symbol, (K_bch − 80) / (N_ldpc / log2 M + 90), i.e.
net of the BBHEADER and the PLHEADER, as in the tables. Throughput is symbol rate times spectral efficiency.

Es/N0 (energy per *symbol*) and Eb/N0 (energy per *information bit*) are never mixed: every quantity carries
``esn0`` or ``ebn0`` in its name, the two are distinct ``NewType`` s for the type checker, and the only
conversion is :func:`ebn0_from_esn0` / :func:`esn0_from_ebn0`, Eb/N0 = Es/N0 − 10·log10(η).

ACM picks, for each Es/N0, the MODCOD with the highest spectral efficiency whose required Es/N0 plus the
implementation margin does not exceed it. MODCODs that are dominated (another MODCOD needs less Es/N0 for more
throughput, e.g. DVB-S2 8PSK 9/10 against 16APSK 3/4) are never chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, NewType

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError, NotFoundError, OutOfRangeError

__all__ = [
    "DVBS2X_ROLL_OFFS",
    "DVBS2_ROLL_OFFS",
    "EbN0Db",
    "EsN0Db",
    "ModCod",
    "ModcodTable",
    "dvbs2_table",
    "dvbs2x_table",
    "ebn0_from_esn0",
    "esn0_from_ebn0",
    "symbol_rate_msps",
]

FloatArray = npt.NDArray[np.float64]
EsN0Db = NewType("EsN0Db", FloatArray)
"""Energy per symbol to noise density, dB (numpy array)."""
EbN0Db = NewType("EbN0Db", FloatArray)
"""Energy per information bit to noise density, dB (numpy array)."""

Frame = Literal["normal", "short"]
DVBS2_ROLL_OFFS = (0.35, 0.25, 0.20)
"""Roll-off factors of DVB-S2 (EN 302 307-1 §5.5.4)."""
DVBS2X_ROLL_OFFS = (0.35, 0.25, 0.20, 0.15, 0.10, 0.05)
"""Roll-off factors of DVB-S2X (EN 302 307-2 §5.5.4)."""

# (canonical name, spectral efficiency [bit/symbol], ideal Es/N0 [dB]) exactly as printed in the standards.
_S2_TABLE_13: tuple[tuple[str, float, float], ...] = (
    ("QPSK 1/4", 0.490243, -2.35),
    ("QPSK 1/3", 0.656448, -1.24),
    ("QPSK 2/5", 0.789412, -0.30),
    ("QPSK 1/2", 0.988858, 1.00),
    ("QPSK 3/5", 1.188304, 2.23),
    ("QPSK 2/3", 1.322253, 3.10),
    ("QPSK 3/4", 1.487473, 4.03),
    ("QPSK 4/5", 1.587196, 4.68),
    ("QPSK 5/6", 1.654663, 5.18),
    ("QPSK 8/9", 1.766451, 6.20),
    ("QPSK 9/10", 1.788612, 6.42),
    ("8PSK 3/5", 1.779991, 5.50),
    ("8PSK 2/3", 1.980636, 6.62),
    ("8PSK 3/4", 2.228124, 7.91),
    ("8PSK 5/6", 2.478562, 9.35),
    ("8PSK 8/9", 2.646012, 10.69),
    ("8PSK 9/10", 2.679207, 10.98),
    ("16APSK 2/3", 2.637201, 8.97),
    ("16APSK 3/4", 2.966728, 10.21),
    ("16APSK 4/5", 3.165623, 11.03),
    ("16APSK 5/6", 3.300184, 11.61),
    ("16APSK 8/9", 3.523143, 12.89),
    ("16APSK 9/10", 3.567342, 13.13),
    ("32APSK 3/4", 3.703295, 12.73),
    ("32APSK 4/5", 3.951571, 13.64),
    ("32APSK 5/6", 4.119540, 14.28),
    ("32APSK 8/9", 4.397854, 15.69),
    ("32APSK 9/10", 4.453027, 16.05),
)

_S2X_TABLE_20A: tuple[tuple[str, float, float], ...] = (
    ("QPSK 2/9", 0.434841, -2.85),
    ("QPSK 13/45", 0.567805, -2.03),
    ("QPSK 9/20", 0.889135, 0.22),
    ("QPSK 11/20", 1.088581, 1.45),
    ("8APSK 5/9-L", 1.647211, 4.73),
    ("8APSK 26/45-L", 1.713601, 5.13),
    ("8PSK 23/36", 1.896173, 6.12),
    ("8PSK 25/36", 2.062148, 7.02),
    ("8PSK 13/18", 2.145136, 7.49),
    ("16APSK 1/2-L", 1.972253, 5.97),
    ("16APSK 8/15-L", 2.104850, 6.55),
    ("16APSK 5/9-L", 2.193247, 6.84),
    ("16APSK 26/45", 2.281645, 7.51),
    ("16APSK 3/5", 2.370043, 7.80),
    ("16APSK 3/5-L", 2.370043, 7.41),
    ("16APSK 28/45", 2.458441, 8.10),
    ("16APSK 23/36", 2.524739, 8.38),
    ("16APSK 2/3-L", 2.635236, 8.43),
    ("16APSK 25/36", 2.745734, 9.27),
    ("16APSK 13/18", 2.856231, 9.71),
    ("16APSK 7/9", 3.077225, 10.65),
    ("16APSK 77/90", 3.386618, 11.99),
    ("32APSK 2/3-L", 3.289502, 11.10),
    ("32APSK 32/45", 3.510192, 11.75),
    ("32APSK 11/15", 3.620536, 12.17),
    ("32APSK 7/9", 3.841226, 13.05),
    ("64APSK 32/45-L", 4.206428, 13.98),
    ("64APSK 11/15", 4.338659, 14.81),
    ("64APSK 7/9", 4.603122, 15.47),
    ("64APSK 4/5", 4.735354, 15.87),
    ("64APSK 5/6", 4.933701, 16.55),
    ("128APSK 3/4", 5.163248, 17.73),
    ("128APSK 7/9", 5.355556, 18.53),
    ("256APSK 29/45-L", 5.065690, 16.98),
    ("256APSK 2/3-L", 5.241514, 17.24),
    ("256APSK 31/45-L", 5.417338, 18.10),
    ("256APSK 32/45", 5.593162, 18.59),
    ("256APSK 11/15-L", 5.768987, 18.84),
    ("256APSK 3/4", 5.900855, 19.57),
)

_S2X_TABLE_20B: tuple[tuple[str, float, float], ...] = (
    ("QPSK 11/45", 0.453236, -2.50),
    ("QPSK 4/15", 0.497192, -2.24),
    ("QPSK 14/45", 0.585104, -1.46),
    ("QPSK 7/15", 0.892796, 0.60),
    ("QPSK 8/15", 1.024664, 1.45),
    ("QPSK 32/45", 1.376313, 3.66),
    ("8PSK 7/15", 1.331876, 3.83),
    ("8PSK 8/15", 1.528597, 4.71),
    ("8PSK 26/45", 1.659745, 5.52),
    ("8PSK 32/45", 2.053188, 7.54),
    ("16APSK 7/15", 1.766184, 5.99),
    ("16APSK 8/15", 2.027053, 6.93),
    ("16APSK 26/45", 2.200966, 7.66),
    ("16APSK 3/5", 2.287923, 8.10),
    ("16APSK 32/45", 2.722705, 9.81),
    ("32APSK 2/3", 3.168769, 11.41),
    ("32APSK 32/45", 3.384985, 12.18),
)

_SOURCES = {
    "DVB-S2": "ETSI EN 302 307-1 V1.4.1 Table 13",
    "DVB-S2X normal": "ETSI EN 302 307-2 V1.1.1 Table 20a",
    "DVB-S2X short": "ETSI EN 302 307-2 V1.1.1 Table 20b",
}


def ebn0_from_esn0(esn0_db: EsN0Db | FloatArray, spectral_efficiency: npt.ArrayLike) -> EbN0Db:
    """Eb/N0 (dB) from Es/N0 (dB) and the spectral efficiency in information bits per symbol."""
    return EbN0Db(np.asarray(esn0_db, dtype=np.float64) - 10.0 * np.log10(np.asarray(spectral_efficiency)))


def esn0_from_ebn0(ebn0_db: EbN0Db | FloatArray, spectral_efficiency: npt.ArrayLike) -> EsN0Db:
    """Es/N0 (dB) from Eb/N0 (dB) and the spectral efficiency in information bits per symbol."""
    return EsN0Db(np.asarray(ebn0_db, dtype=np.float64) + 10.0 * np.log10(np.asarray(spectral_efficiency)))


def symbol_rate_msps(bandwidth_mhz: npt.ArrayLike, roll_off: float) -> FloatArray:
    """Symbol rate (Msymbol/s) filling ``bandwidth_mhz`` with a root-raised-cosine roll-off: B / (1 + α)."""
    if roll_off not in DVBS2X_ROLL_OFFS:
        raise OutOfRangeError(
            f"roll-off {roll_off!r} is not a DVB-S2/S2X roll-off factor",
            hint=f"Use one of {list(DVBS2X_ROLL_OFFS)} (the last three are DVB-S2X only)",
            name="roll_off",
            value=roll_off,
        )
    return np.asarray(bandwidth_mhz, dtype=np.float64) / (1.0 + roll_off)


@dataclass(frozen=True)
class ModCod:
    """One modulation and coding combination of DVB-S2 or DVB-S2X."""

    name: str
    """Canonical name, e.g. ``"16APSK 2/3-L"``."""
    spectral_efficiency: float
    """Information bits per symbol, as in the standard's table."""
    required_esn0_db: float
    """Ideal Es/N0 (dB) for quasi-error-free operation on an AWGN linear channel."""
    standard: Literal["DVB-S2", "DVB-S2X"]
    frame: Frame
    source: str

    @property
    def modulation(self) -> str:
        return self.name.split()[0]

    @property
    def bits_per_symbol(self) -> int:
        return {"QPSK": 2, "8PSK": 3, "8APSK": 3, "16APSK": 4, "32APSK": 5, "64APSK": 6, "128APSK": 7}.get(
            self.modulation, 8
        )

    @property
    def code_rate(self) -> Fraction:
        return Fraction(self.name.split()[1].removesuffix("-L"))

    @property
    def required_ebn0_db(self) -> float:
        """Ideal Eb/N0 (dB): required Es/N0 − 10·log10(spectral efficiency)."""
        return float(ebn0_from_esn0(np.array(self.required_esn0_db), self.spectral_efficiency))


@dataclass(frozen=True)
class ModcodTable:
    """A set of MODCODs an ACM link may use, with vectorised best-MODCOD selection."""

    modcods: tuple[ModCod, ...]
    _thresholds_db: FloatArray = field(init=False, repr=False, compare=False)
    _best_index: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.modcods:
            raise InvalidInputError("a MODCOD table needs at least one MODCOD", name="modcods")
        order = np.argsort([m.required_esn0_db for m in self.modcods], kind="stable")
        thresholds = np.array([self.modcods[i].required_esn0_db for i in order])
        efficiency = np.array([self.modcods[i].spectral_efficiency for i in order])
        best_sorted = np.zeros(len(order), dtype=np.int64)  # position of the best MODCOD among the first k+1
        for k in range(1, len(order)):
            prev = best_sorted[k - 1]
            best_sorted[k] = k if efficiency[k] > efficiency[prev] else prev
        object.__setattr__(self, "_thresholds_db", thresholds)
        object.__setattr__(self, "_best_index", order[best_sorted])

    def __len__(self) -> int:
        return len(self.modcods)

    def get(self, name: str) -> ModCod:
        for m in self.modcods:
            if m.name == name:
                return m
        raise NotFoundError(f"no MODCOD named {name!r} in this table", name="modcod", value=name)

    def subset(self, names: Sequence[str]) -> ModcodTable:
        """A table restricted to ``names`` (a terminal that supports only some MODCODs)."""
        return ModcodTable(tuple(self.get(n) for n in names))

    @property
    def min_required_esn0_db(self) -> float:
        return float(self._thresholds_db[0])

    def select(self, esn0_db: EsN0Db | FloatArray, *, implementation_margin_db: float = 0.0) -> npt.NDArray[np.int64]:
        """Index into :attr:`modcods` of the best usable MODCOD for each Es/N0, or -1 where none closes."""
        esn0 = np.asarray(esn0_db, dtype=np.float64) - implementation_margin_db
        position = np.searchsorted(self._thresholds_db, esn0, side="right") - 1
        return np.where(position >= 0, self._best_index[np.maximum(position, 0)], -1)

    def spectral_efficiency(self, esn0_db: EsN0Db | FloatArray, *, implementation_margin_db: float = 0.0) -> FloatArray:
        """Spectral efficiency (bit/symbol) ACM achieves at each Es/N0; 0 where the link does not close."""
        index = self.select(esn0_db, implementation_margin_db=implementation_margin_db)
        efficiency = np.array([m.spectral_efficiency for m in self.modcods])
        return np.where(index >= 0, efficiency[np.maximum(index, 0)], 0.0)


def _build(
    rows: Sequence[tuple[str, float, float]], standard: Literal["DVB-S2", "DVB-S2X"], frame: Frame, source: str
) -> tuple[ModCod, ...]:
    return tuple(ModCod(name, eta, esn0, standard, frame, source) for name, eta, esn0 in rows)


def dvbs2_table() -> ModcodTable:
    """The 28 DVB-S2 MODCODs of EN 302 307-1 Table 13 (normal frames)."""
    return ModcodTable(_build(_S2_TABLE_13, "DVB-S2", "normal", _SOURCES["DVB-S2"]))


def dvbs2x_table(*, frames: Sequence[Frame] = ("normal",), include_dvbs2: bool = True) -> ModcodTable:
    """DVB-S2X MODCODs (Table 20a for normal frames, 20b for short), plus the DVB-S2 ones a DVB-S2X
    receiver also supports (normal frames only) when ``include_dvbs2``."""
    modcods: list[ModCod] = []
    for frame in frames:
        if frame == "normal":
            modcods += _build(_S2X_TABLE_20A, "DVB-S2X", "normal", _SOURCES["DVB-S2X normal"])
            if include_dvbs2:
                modcods += _build(_S2_TABLE_13, "DVB-S2", "normal", _SOURCES["DVB-S2"])
        elif frame == "short":
            modcods += _build(_S2X_TABLE_20B, "DVB-S2X", "short", _SOURCES["DVB-S2X short"])
        else:
            raise InvalidInputError(
                f"unknown FECFRAME length {frame!r}", hint="Use 'normal' or 'short'", name="frames", value=frame
            )
    return ModcodTable(tuple(modcods))
