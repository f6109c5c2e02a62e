"""The corpus's I/O: reading the calibration data that ships inside vendor packages (package
files, older wheels fetched with ``pip download``, a checked-in data file) and handing it to the
pure conversions of :mod:`qlcore.corpus.vendors`. :mod:`.sources` names them for
``ql corpus import SOURCE``."""

from qlcore.corpus.adapters.packages import SourceUnavailableError
from qlcore.corpus.adapters.sources import (
    ALL,
    SOURCE_ORDER,
    SOURCES,
    SourceSpec,
    UnknownSourceError,
    dedupe,
    load_source,
    source_names,
)

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
