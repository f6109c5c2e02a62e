"""Google: the median device calibrations bundled with cirq-google, loaded with cirq itself
(the files are calibration protobufs as JSON; cirq's loader is the reference reading of them)."""

from __future__ import annotations

from collections.abc import Iterator

from qlcore.corpus.adapters.packages import package_version
from qlcore.corpus.model import Observation, SourceRef
from qlcore.corpus.vendors.google import DEVICES, PACKAGE, Metrics, observation_from_metrics

__all__ = ["load_google"]


def load_google() -> Iterator[Observation]:
    """rainbow, weber and willow_pink via ``load_median_device_calibration`` (imports cirq)."""
    from cirq_google.engine.virtual_engine_factory import load_median_device_calibration

    version = package_version(PACKAGE)
    for processor, filename in DEVICES.items():
        cal = load_median_device_calibration(processor)
        metrics: Metrics = {name: {key: float(v[0]) for key, v in cal[name].items()} for name in cal.keys()}
        source = SourceRef(package=PACKAGE, version=version, path=f"cirq_google/devices/calibrations/{filename}")
        yield observation_from_metrics(processor, metrics, int(cal.timestamp), source)
