"""Quantinuum: read ``OFFLINE_MACHINE_LIST`` from the installed pytket-quantinuum."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog

from qlcore.corpus.adapters.packages import package_dir, package_version
from qlcore.corpus.model import Observation, SourceRef
from qlcore.corpus.vendors.quantinuum import PACKAGE, PATH, machine_list_literal, observation_from_machine

__all__ = ["load_quantinuum"]

log = structlog.get_logger("qlcore.corpus")


def _offline_machine_list() -> list[dict[str, Any]]:
    """The list, read as a literal from the module's source: importing pytket costs ~3 s.

    Imports the module instead should a release ever build the list with code.
    """
    source_file = package_dir("pytket").parent / PATH
    machines = machine_list_literal(source_file.read_text(encoding="utf-8"))
    if machines is not None:
        return machines
    log.info("corpus.quantinuum.import_fallback", reason="OFFLINE_MACHINE_LIST is not a literal", path=PATH)
    from pytket.extensions.quantinuum.backends.api_wrappers import OFFLINE_MACHINE_LIST

    return list(OFFLINE_MACHINE_LIST)


def load_quantinuum() -> Iterator[Observation]:
    """The hardware machines of the offline list."""
    version = package_version(PACKAGE)
    for machine in _offline_machine_list():
        if machine.get("system_type", "hardware") != "hardware" or "noise_specs" not in machine:
            continue  # an emulator or a syntax checker: no device calibration to observe
        source = SourceRef(package=PACKAGE, version=version, path=f"{PATH}#OFFLINE_MACHINE_LIST[{machine['name']}]")
        yield observation_from_machine(machine, source)
