"""Corpus sources: real calibration snapshots that ship offline inside PyPI packages.

Each source is a name for ``ql corpus import SOURCE``; :func:`load_source` yields its
observations. ``all`` is every source in :data:`SOURCE_ORDER` with duplicate snapshots (same
device and time, e.g. a kyiv snapshot shipped by two qiskit-ibm-runtime releases) dropped, so
the count is of distinct snapshots. Loaders import their vendor packages lazily, so
listing the sources (``ql corpus sources``, the CLI's help) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qlcore.corpus.adapters.packages import SourceUnavailableError
from qlcore.corpus.model import Observation

__all__ = [
    "ALL",
    "SOURCES",
    "SOURCE_ORDER",
    "SourceSpec",
    "SourceUnavailableError",
    "UnknownSourceError",
    "dedupe",
    "load_source",
    "source_names",
]

ALL = "all"


class UnknownSourceError(KeyError):
    """Not a corpus source name."""


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    packages: tuple[str, ...]
    load: Callable[[Path | None], Iterator[Observation]]


def _ibm(_: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.ibm import load_ibm

    return load_ibm()


def _ibm_history(cache: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.ibm_history import history_wheels, load_ibm_history

    return load_ibm_history(history_wheels(cache))


def _google(_: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.google import load_google

    return load_google()


def _qtn(_: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.quantinuum import load_quantinuum

    return load_quantinuum()


def _iqm(_: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.iqm import load_iqm

    return load_iqm()


def _mqt_bench(_: Path | None) -> Iterator[Observation]:
    from qlcore.corpus.adapters.mqt_bench import load_mqt_bench

    return load_mqt_bench()


_QIR = "qiskit-ibm-runtime"
SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec("ibm", "IBM devices of the installed qiskit-ibm-runtime fake provider", (_QIR,), _ibm),
        SourceSpec(
            "ibm-history",
            "earlier snapshots of the IBM devices, from older qiskit-ibm-runtime wheels (read, not installed)",
            (_QIR,),
            _ibm_history,
        ),
        SourceSpec("google", "Google rainbow, weber, willow_pink median calibrations", ("cirq-google",), _google),
        SourceSpec("quantinuum", "Quantinuum H1-1, H2-1, H2-2 offline machine list", ("pytket-quantinuum",), _qtn),
        SourceSpec("iqm", "IQM Garnet, Deneb fake-backend profiles (checked-in data file)", ("iqm-client",), _iqm),
        SourceSpec("mqt-bench", "IonQ Aria-1/Harmony, Rigetti Aspen-M-3, OQC Lucy files", ("mqt.bench",), _mqt_bench),
    )
}
SOURCE_ORDER: tuple[str, ...] = tuple(SOURCES)


def source_names() -> list[str]:
    return [*SOURCE_ORDER, ALL]


def dedupe(observations: Iterator[Observation]) -> Iterator[Observation]:
    """Drop repeats of a snapshot already yielded (same :attr:`Observation.key`); first wins."""
    seen: set[str] = set()
    for observation in observations:
        if observation.key not in seen:
            seen.add(observation.key)
            yield observation


def _chain(names: tuple[str, ...], cache: Path | None) -> Iterator[Observation]:
    for name in names:
        yield from SOURCES[name].load(cache)


def load_source(name: str, *, wheel_cache: Path | None = None) -> Iterator[Observation]:
    """Observations of source ``name`` (or of every source for ``all``), distinct snapshots only."""
    if name == ALL:
        return dedupe(_chain(SOURCE_ORDER, wheel_cache))
    if name not in SOURCES:
        raise UnknownSourceError(name)
    return dedupe(SOURCES[name].load(wheel_cache))
