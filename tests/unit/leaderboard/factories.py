"""Hand-made observations for the pure ranking/trend/render tests."""

from __future__ import annotations

from qlcore.corpus.model import Observation, SourceRef

__all__ = ["make_obs"]


def make_obs(
    provider: str,
    backend: str,
    taken_at: str,
    *,
    qubits: int = 27,
    stand_in: bool = False,
    **metrics: float | int | None,
) -> Observation:
    return Observation(
        provider=provider,
        backend=backend,
        num_qubits=qubits,
        taken_at=taken_at,
        taken_at_is_stand_in=stand_in,
        source=SourceRef(package="pkg", version="1.0", path=f"data/{backend}.json"),
        metrics={"num_qubits": qubits, **metrics},
    )
