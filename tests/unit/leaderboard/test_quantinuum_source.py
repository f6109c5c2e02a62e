"""Quantinuum loader (literal read of the module source) against the imported list."""

from __future__ import annotations

import pytest
from pytket.extensions.quantinuum.backends.api_wrappers import OFFLINE_MACHINE_LIST
from qlcore.corpus.adapters import load_source


def test_device_averages_match_offline_machine_list() -> None:
    loaded = {o.backend: o for o in load_source("quantinuum")}
    machines = {m["name"]: m for m in OFFLINE_MACHINE_LIST}
    assert set(loaded) == {"H1-1", "H2-1", "H2-2"} == set(machines)
    for name, obs in loaded.items():
        specs = machines[name]["noise_specs"]
        assert obs.metrics["median_2q_error"] == specs["2q_gate_error"]["p2"]
        assert obs.metrics["median_1q_error"] == specs["1q_gate_error"]["p1"]
        spam = specs["spam_error"]
        assert obs.metrics["median_readout_error"] == pytest.approx((spam["p_meas_0"] + spam["p_meas_1"]) / 2)
        assert obs.num_qubits == machines[name]["n_qubits"]
        assert obs.taken_at == f"{specs['date']}T00:00:00Z"
        assert obs.metrics["median_t1"] is None and obs.metrics["median_t2"] is None
        assert obs.source_values["p2_unc"] == specs["2q_gate_error"]["p2_unc"]
        assert obs.calibration is None
        assert {c.metric for c in obs.conversions} == {"median_2q_error", "median_1q_error", "median_readout_error"}
