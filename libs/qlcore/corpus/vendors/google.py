"""Google: a median device calibration of cirq-google as an observation (pure;
:mod:`qlcore.corpus.adapters.google` loads them with cirq).

``load_median_device_calibration`` returns calibrations that Google describes as roughly
representative of each processor's median performance. Conversions (see
:mod:`qlcore.corpus.conversions`):

* 1q: RB Pauli error per gate -> average infidelity (x 2/3);
* 2q: parallel XEB Pauli error per *cycle* (2q gate + a 1q gate on each qubit) minus the two
  qubits' 1q RB Pauli errors -> Pauli error of the gate -> average infidelity (x 4/5);
* readout: (p00 + p11) / 2 of the isolated (single_qubit_*) measurement; no T2 is published.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qlcore.corpus.conversions import pauli_to_average_infidelity, xeb_cycle_to_gate_pauli_error
from qlcore.corpus.model import Conversion, Observation, SourceRef, format_rfc3339
from qlcore.corpus.observations import observation_from_calibration

__all__ = ["DEVICES", "GATE_PREFERENCE", "PACKAGE", "Metrics", "observation_from_metrics"]

PACKAGE = "cirq-google"
#: processor id -> calibration file inside cirq_google/devices/calibrations/
DEVICES: dict[str, str] = {
    "rainbow": "rainbow_2021_11_16_calibration.json",
    "weber": "weber_2021_11_03_calibration.json",
    "willow_pink": "willow_pink_d7v1-2024_08_16_calibration.json",
}
#: The standard 2q gate: the first one the calibration has parallel XEB data for.
GATE_PREFERENCE: tuple[tuple[str, str], ...] = (
    ("cz", "two_qubit_parallel_cz_gate_xeb_pauli_error_per_cycle"),
    ("syc", "two_qubit_parallel_sycamore_gate_xeb_pauli_error_per_cycle"),
    ("sqrt_iswap", "two_qubit_parallel_sqrt_iswap_gate_xeb_pauli_error_per_cycle"),
)

Metrics = dict[str, dict[tuple[Any, ...], float]]

_CONVERSIONS = [
    Conversion(
        metric="median_1q_error",
        source_definition="single_qubit_rb_pauli_error_per_gate (RB Pauli error)",
        method="average infidelity = 2/3 x Pauli error",
    ),
    Conversion(
        metric="median_2q_error",
        source_definition="two_qubit_parallel_<gate>_xeb_pauli_error_per_cycle (cycle = 2q gate + 1q gates)",
        method="gate Pauli error = cycle error - 1q RB Pauli errors of both qubits (>= 0); "
        "average infidelity = 4/5 x gate Pauli error",
    ),
    Conversion(
        metric="median_readout_error",
        source_definition="single_qubit_p00_error = P(1|0), single_qubit_p11_error = P(0|1)",
        method="(p00 + p11) / 2",
    ),
]


def _label(qubit: Any) -> str:
    return f"{qubit.row}_{qubit.col}"


def observation_from_metrics(processor: str, metrics: Metrics, timestamp_ms: int, source: SourceRef) -> Observation:
    """Observation of one processor from ``{metric name: {(qubits...): value}}``."""
    qubits = sorted({q for key in metrics["single_qubit_p00_error"] for q in key})
    index = {q: i for i, q in enumerate(qubits)}
    pauli_1q = {key[0]: v for key, v in metrics["single_qubit_rb_pauli_error_per_gate"].items()}
    p00 = {key[0]: v for key, v in metrics["single_qubit_p00_error"].items()}
    p11 = {key[0]: v for key, v in metrics["single_qubit_p11_error"].items()}
    t1 = {key[0]: v for key, v in metrics.get("single_qubit_idle_t1_micros", {}).items()}
    gate, metric = next((g, m) for g, m in GATE_PREFERENCE if metrics.get(m))
    taken_at = format_rfc3339(datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC))
    calibration: dict[str, Any] = {
        "taken_at": taken_at,
        "qubits": [
            {
                "qubit": index[q],
                "t1_us": t1.get(q),
                "t2_us": None,
                "readout_error": (p00[q] + p11[q]) / 2 if q in p00 and q in p11 else None,
            }
            for q in qubits
        ],
        "gates": [
            {"gate": "phased_xz", "qubits": [index[q]], "error": pauli_to_average_infidelity(e, 1), "duration_ns": None}
            for q, e in sorted(pauli_1q.items())
        ],
    }
    for pair, cycle in sorted(metrics[metric].items()):
        gate_pauli = xeb_cycle_to_gate_pauli_error(cycle, (pauli_1q[q] for q in pair))
        calibration["gates"].append(
            {
                "gate": gate,
                "qubits": [index[q] for q in pair],
                "error": pauli_to_average_infidelity(gate_pauli, 2),
                "duration_ns": None,
            }
        )
    return observation_from_calibration(
        provider="google",
        backend=processor,
        calibration=calibration,
        source=source,
        num_qubits=len(qubits),
        conversions=list(_CONVERSIONS),
        notes=[
            "median device calibration (representative of the processor's median performance)",
            f"standard 2q gate: {gate} (parallel XEB)",
        ],
        source_values={"qubit_labels": [_label(q) for q in qubits], "xeb_metric": metric},
    )
