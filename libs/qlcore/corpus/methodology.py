"""The versioned leaderboard methodology: one definition per metric, with its direction.

Each vendor defines its numbers differently (average gate infidelity from RB, XEB Pauli error
per cycle, depolarizing parameters, fidelities, device averages). The leaderboard ranks one
definition per metric; ``source_definitions`` records what each vendor reports, and every
observation lists the conversions applied to it. ``docs/leaderboard-methodology.md`` explains
the choices; bump :data:`METHODOLOGY_VERSION` whenever a definition or conversion changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT_METRIC",
    "FAILED_ERROR",
    "FRACTIONAL_2Q_GATES",
    "METHODOLOGY_VERSION",
    "METRICS",
    "STANDARD_1Q_GATES",
    "STANDARD_2Q_GATES",
    "MetricDefinition",
    "UnknownMetricError",
    "methodology_document",
    "metric_definition",
]

METHODOLOGY_VERSION = "ql-leaderboard/1.0.0"
DEFAULT_METRIC = "median_2q_error"

#: A gate error of exactly 1.0 is how IBM reports a coupler/qubit whose calibration failed.
FAILED_ERROR = 1.0

#: Standard (full-entangling, non-parametric) two-qubit basis gates, by their lower-case names.
STANDARD_2Q_GATES: frozenset[str] = frozenset(
    {"ecr", "cz", "cx", "cnot", "syc", "sycamore", "sqrt_iswap", "iswap", "ms", "zz"}
)
#: Parametric/fractional two-qubit gates and non-gate couplings: never the standard 2q gate.
FRACTIONAL_2Q_GATES: frozenset[str] = frozenset(
    {"rzz", "rzx", "rxx", "ryy", "cp", "cphase", "xy", "xx_plus_yy", "fsim", "move"}
)
#: The standard 1q gate, by preference: the first of these a device reports is used.
STANDARD_1Q_GATES: tuple[str, ...] = ("sx", "u2", "prx", "phased_xz", "r", "rx")

Direction = Literal["lower", "higher"]


class UnknownMetricError(KeyError):
    """Raised for a metric name the methodology does not define."""


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    label: str
    unit: str
    direction: Direction
    definition: str
    source_definitions: dict[str, str] = field(default_factory=dict)

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"


_AVG = "average gate infidelity r = 1 - F_avg (as randomized benchmarking reports it)"

METRICS: dict[str, MetricDefinition] = {
    m.name: m
    for m in (
        MetricDefinition(
            "median_2q_error",
            "Median 2-qubit gate error",
            "",
            "lower",
            "Median over couplers of the " + _AVG + " of the device's standard two-qubit basis gate "
            "(ecr, cz, cx, syc, ...; never parametric gates such as rzz). A coupler's error is the mean "
            "of the directions the device reports; entries equal to 1.0 are failed calibrations: "
            "excluded and counted (failed_2q_couplers). Device-level averages (trapped ions) stand in "
            "for the median where no per-coupler data exists.",
            {
                "ibm": "gate_error of ecr/cz/cx per coupler (RB error per gate)",
                "google": "XEB Pauli error per cycle (2q gate + two 1q gates), parallel",
                "iqm": "two-qubit depolarizing parameter (+ thermal relaxation over the gate)",
                "rigetti": "fCZ: CZ fidelity per edge",
                "oqc": "fECR: ECR fidelity per coupler",
                "quantinuum": "p2: device-level 2q average infidelity",
                "ionq": "2q.mean: device-level mean 2q fidelity",
            },
        ),
        MetricDefinition(
            "median_1q_error",
            "Median 1-qubit gate error",
            "",
            "lower",
            "Median over qubits of the " + _AVG + " of the standard single-qubit gate (sx; u2 on "
            "pre-2021 IBM devices; prx, phased_xz or rx elsewhere). Entries equal to 1.0 are failed: "
            "excluded and counted.",
            {
                "ibm": "gate_error of sx (u2 before sx existed)",
                "google": "RB Pauli error per gate",
                "iqm": "prx depolarizing parameter (+ thermal relaxation over the gate)",
                "rigetti": "f1QRB: isolated 1q RB fidelity",
                "oqc": "fRB: 1q RB fidelity",
                "quantinuum": "p1: device-level 1q average infidelity",
                "ionq": "1q.mean: device-level mean 1q fidelity",
            },
        ),
        MetricDefinition(
            "median_readout_error",
            "Median readout error",
            "",
            "lower",
            "Median over qubits of the assignment error (P(1|0) + P(0|1)) / 2.",
            {
                "ibm": "readout_error",
                "google": "single_qubit_p00_error, single_qubit_p11_error",
                "iqm": "readout_errors {'0': P(1|0), '1': P(0|1)}",
                "rigetti": "fRO: readout fidelity",
                "oqc": "fRO: readout fidelity",
                "quantinuum": "p_meas_0, p_meas_1: device-level SPAM errors",
                "ionq": "spam.mean: device-level SPAM fidelity",
            },
        ),
        MetricDefinition(
            "median_t1",
            "Median T1",
            "us",
            "higher",
            "Median over qubits of the energy-relaxation time T1 in microseconds. Trapped-ion devices "
            "have no meaningful per-qubit T1 and are left out.",
            {
                "ibm": "T1 (us)",
                "google": "single_qubit_idle_t1_micros",
                "iqm": "t1s (ns)",
                "rigetti": "T1 (s)",
                "oqc": "T1 (us)",
            },
        ),
        MetricDefinition(
            "median_t2",
            "Median T2",
            "us",
            "higher",
            "Median over qubits of the dephasing time T2 in microseconds (as the vendor measures it: "
            "IBM Hahn echo). Google publishes none; trapped ions are left out.",
            {"ibm": "T2 (us)", "iqm": "t2s (ns)", "rigetti": "T2 (s)", "oqc": "T2 (us)"},
        ),
        MetricDefinition(
            "num_qubits",
            "Qubits",
            "qubits",
            "higher",
            "Number of physical qubits of the device (computational resonators not counted).",
        ),
        MetricDefinition(
            "failed_2q_couplers",
            "Failed 2-qubit couplers",
            "couplers",
            "lower",
            "Couplers of the standard 2q gate whose every reported entry is a failed calibration (error 1.0).",
        ),
        MetricDefinition(
            "failed_2q_fraction",
            "Failed 2-qubit coupler fraction",
            "",
            "lower",
            "failed_2q_couplers divided by the number of couplers of the standard 2q gate.",
        ),
    )
}


def metric_definition(name: str) -> MetricDefinition:
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetricError(name) from None


def methodology_document() -> dict[str, Any]:
    """The versioned methodology as data: every metric's definition, direction and vendor sources."""
    return {
        "methodology_version": METHODOLOGY_VERSION,
        "default_metric": DEFAULT_METRIC,
        "metrics": [
            {
                "name": m.name,
                "label": m.label,
                "unit": m.unit,
                "direction": m.direction,
                "definition": m.definition,
                "source_definitions": m.source_definitions,
            }
            for m in METRICS.values()
        ],
        "document": "docs/leaderboard-methodology.md",
    }
