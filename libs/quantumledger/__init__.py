"""QuantumLedger SDK: capture quantum runs as ``qlprov/run/1.0`` bundles and verify them.

Names are imported on first use (PEP 562), so ``import quantumledger`` stays light and never
imports Qiskit; ``quantumledger.capture`` pulls Qiskit in when it is first touched. To export
another name, add it to ``_EXPORTS`` with the module that defines it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quantumledger.attest import verify_attestation
    from quantumledger.capture import capture, run_on_simulator
    from quantumledger.client import AsyncClient, Client, RetryPolicy
    from quantumledger.errors import (
        APIError,
        AuthError,
        BadRequestError,
        ConflictError,
        ConnectionFailedError,
        ForbiddenError,
        GoneError,
        HashMismatchError,
        InvalidDocumentError,
        MissingHashError,
        NotFoundError,
        PayloadTooLargeError,
        PlanError,
        QuantumLedgerError,
        RateLimitError,
        ReproductionFailedError,
        ServerError,
        UnauthenticatedError,
        UnavailableError,
        ValidationError,
        VerificationError,
        WaitTimeoutError,
    )
    from quantumledger.verify import VerifyResult, verify

__all__ = [
    "APIError",
    "AsyncClient",
    "AuthError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "ConnectionFailedError",
    "ForbiddenError",
    "GoneError",
    "HashMismatchError",
    "InvalidDocumentError",
    "MissingHashError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PlanError",
    "QuantumLedgerError",
    "RateLimitError",
    "ReproductionFailedError",
    "RetryPolicy",
    "ServerError",
    "UnauthenticatedError",
    "UnavailableError",
    "ValidationError",
    "VerificationError",
    "VerifyResult",
    "WaitTimeoutError",
    "capture",
    "run_on_simulator",
    "verify",
    "verify_attestation",
]

_ERRORS = (
    "APIError",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "ConnectionFailedError",
    "ForbiddenError",
    "GoneError",
    "HashMismatchError",
    "InvalidDocumentError",
    "MissingHashError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PlanError",
    "QuantumLedgerError",
    "RateLimitError",
    "ReproductionFailedError",
    "ServerError",
    "UnauthenticatedError",
    "UnavailableError",
    "ValidationError",
    "VerificationError",
    "WaitTimeoutError",
)

_EXPORTS: dict[str, str] = {
    "AsyncClient": "quantumledger.client",
    "Client": "quantumledger.client",
    "RetryPolicy": "quantumledger.client",
    "capture": "quantumledger.capture",
    "run_on_simulator": "quantumledger.capture",
    "verify": "quantumledger.verify",
    "VerifyResult": "quantumledger.verify",
    "verify_attestation": "quantumledger.attest",
    **dict.fromkeys(_ERRORS, "quantumledger.errors"),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """Keeps ``quantumledger.capture`` (and ``.verify``) the function, not the submodule.

    Importing a submodule sets it as an attribute of its package, which would hide the
    function of the same name once ``quantumledger.capture`` (the module) is imported,
    e.g. by ``quantumledger.examples``. The function is bound instead; the module stays
    importable as usual (``from quantumledger.capture import run_on_simulator``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
