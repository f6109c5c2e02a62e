"""The held-out check of ``ql-drift/2.0``: the model's band of Hellinger fidelity against real later snapshots.

For every pair (earlier, later) of snapshots of a held-out device (:data:`fit_drift.HELD_OUT`, not
used by the fit), and for a GHZ-3 and a GHZ-5 on a chain of the earlier snapshot's qubits (the
chain of working couplers with the smallest summed 2q and readout error):

* the *original*: 4096 shots simulated on the earlier snapshot;
* *real*: the Hellinger fidelity between the original and 4096 shots simulated on the real later
  snapshot (the device as it really was ``days`` later);
* *model*: the same fidelity against the earlier snapshot drifted by ``days`` with
  :func:`~services.reproduce.domain.drift.sample_drift` (shift and failed-coupler level drawn from
  their fitted distributions), over ``seeds`` draws: its 5, 50 and 95 % quantiles, and where the
  real fidelity falls among the draws (its percentile).

Both sides carry the same shot noise, so the comparison is of drift alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import hellinger_fidelity
from qiskit.transpiler import CouplingMap

from services.reproduce.domain.calibration import gate_kind
from services.reproduce.domain.circuit import PhysicalCircuit
from services.reproduce.domain.drift import FAILED_GATE_ERROR, sample_drift
from services.reproduce.domain.noise import NoiseModelCache
from services.reproduce.domain.rerun import simulate_counts
from services.reproduce.tools.fit_drift import HELD_OUT, bucket_of

__all__ = ["best_chain", "ghz_on_chain", "held_out_check"]

SHOTS = 4096


def _two_qubit(cal: Mapping[str, Any]) -> dict[tuple[int, int], tuple[str, float]]:
    """Directed (a, b) -> (gate, error) of every working two-qubit gate."""
    out: dict[tuple[int, int], tuple[str, float]] = {}
    for g in cal["gates"]:
        e = g.get("error")
        if gate_kind(g["gate"], len(g["qubits"])) == "2q" and e is not None and 0 < e < FAILED_GATE_ERROR:
            a, b = g["qubits"]
            if (a, b) not in out or e < out[a, b][1]:
                out[a, b] = (g["gate"], float(e))
    return out


def best_chain(cal: Mapping[str, Any], n: int) -> list[int]:
    """The path of ``n`` qubits over working couplers with the smallest summed 2q and readout error."""
    two = _two_qubit(cal)
    readout = {q["qubit"]: q.get("readout_error") or 0.5 for q in cal["qubits"]}
    neighbours: dict[int, set[int]] = {}
    for a, b in two:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    def cost(path: list[int]) -> float:
        edges = sum(
            min(two.get((a, b), (None, 1.0))[1], two.get((b, a), (None, 1.0))[1]) for a, b in itertools.pairwise(path)
        )
        return edges + sum(readout.get(q, 0.5) for q in path)

    best: tuple[float, list[int]] | None = None
    stack = [[q] for q in sorted(neighbours)]
    while stack:
        path = stack.pop()
        if len(path) == n:
            c = cost(path)
            if best is None or c < best[0]:
                best = (c, path)
            continue
        for q in sorted(neighbours.get(path[-1], ())):
            if q not in path:
                stack.append([*path, q])
    if best is None:
        raise ValueError(f"no chain of {n} qubits over working couplers")
    return best[1]


def ghz_on_chain(cal: Mapping[str, Any], chain: list[int]) -> PhysicalCircuit:
    """A GHZ state along ``chain`` in the device's native gates (the 2q gate and direction it lists)."""
    two = _two_qubit(cal)
    directed = [(i, i + 1) if (a, b) in two else (i + 1, i) for i, (a, b) in enumerate(itertools.pairwise(chain))]
    gate = next(two[(a, b) if (a, b) in two else (b, a)][0] for a, b in itertools.pairwise(chain))
    n = len(chain)
    ghz = QuantumCircuit(n, n)
    ghz.h(0)
    for i in range(n - 1):
        ghz.cx(i, i + 1)
    ghz.measure(range(n), range(n))
    native = transpile(
        ghz,
        basis_gates=[gate, "sx", "x", "rz"],
        coupling_map=CouplingMap(directed),
        initial_layout=list(range(n)),
        optimization_level=1,
        seed_transpiler=1,
    )
    return PhysicalCircuit(native, tuple(chain), n)


def _renamed(later: Mapping[str, Any], gate: str) -> dict[str, Any]:
    """``later`` with its 2q gates named ``gate`` when the device changed its native gate in between."""
    names = {g["gate"] for g in later["gates"] if len(g["qubits"]) == 2}
    if gate in names:
        return dict(later)
    return {
        **later,
        "gates": [{**g, "gate": gate} if len(g["qubits"]) == 2 else g for g in later["gates"]],
    }


def held_out_check(snaps: Mapping[str, Mapping[str, Mapping[str, Any]]], *, seeds: int = 200) -> dict[str, Any]:
    """Per held-out pair and circuit: the real later snapshot's fidelity against the model's band."""
    cache = NoiseModelCache()
    rows = []
    for device in HELD_OUT:
        dates = sorted(snaps.get(device, {}), key=dt.datetime.fromisoformat)
        for a, b in itertools.combinations(dates, 2):
            before, after = snaps[device][a]["calibration"], snaps[device][b]["calibration"]
            days = (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 86400.0
            for n in (3, 5):
                chain = best_chain(before, n)
                physical = ghz_on_chain(before, chain)
                gate = next(i.operation.name for i in physical.circuit.data if i.operation.num_qubits == 2)
                original = simulate_counts(physical, before, shots=SHOTS, seed=1, cache=cache)
                real_counts = simulate_counts(physical, _renamed(after, gate), shots=SHOTS, seed=2, cache=cache)
                real = float(hellinger_fidelity(original, real_counts))
                model = np.array(
                    [
                        hellinger_fidelity(
                            original,
                            simulate_counts(
                                physical, sample_drift(before, days=days, seed=s), shots=SHOTS, seed=3 + s, cache=cache
                            ),
                        )
                        for s in range(seeds)
                    ]
                )
                p5, p50, p95 = (float(x) for x in np.quantile(model, [0.05, 0.5, 0.95]))
                rows.append(
                    {
                        "device": device,
                        "before": a[:10],
                        "after": b[:10],
                        "days": round(days, 1),
                        "bucket": bucket_of(days),
                        "circuit": f"GHZ-{n}",
                        "chain": chain,
                        "real_hf": round(real, 4),
                        "model_p5": round(p5, 4),
                        "model_p50": round(p50, 4),
                        "model_p95": round(p95, 4),
                        "inside_5_95": p5 <= real <= p95,
                        "real_percentile": round(100.0 * float(np.mean(model <= real)), 1),
                    }
                )
                print(rows[-1], flush=True)
    inside = [bool(r["inside_5_95"]) for r in rows]
    return {
        "model": "ql-drift/2.0",
        "shots": SHOTS,
        "seeds": seeds,
        "held_out_devices": list(HELD_OUT),
        "rows": rows,
        "inside_5_95": f"{sum(inside)} of {len(inside)}",
        "share_inside": round(sum(inside) / len(inside), 3) if inside else math.nan,
    }
