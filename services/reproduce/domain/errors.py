"""Typed errors of the reproduce domain.

Every error here is a :class:`qlcore.errors.Unprocessable` (HTTP 422): the request or the stored
run cannot be reproduced as asked. The gateway renders them as RFC 9457 problem details; the
``slug`` tells a client which case it hit without parsing the message.
"""

from __future__ import annotations

from qlcore.errors import Unprocessable

__all__ = [
    "InvalidAlpha",
    "InvalidDays",
    "InvalidSeed",
    "MissingCalibration",
    "MissingCircuit",
    "MissingCounts",
    "ReproduceInputError",
    "UnknownProfile",
]


class ReproduceInputError(Unprocessable):
    """Base class: a reproduction request or its run that cannot be processed (422)."""

    slug = "reproduce-invalid-input"
    title = "Run cannot be reproduced as requested"


class InvalidDays(ReproduceInputError):
    slug = "reproduce-invalid-days"
    title = "days must be a finite number between 0 and 36500"


class InvalidAlpha(ReproduceInputError):
    slug = "reproduce-invalid-alpha"
    title = "alpha must be a number between 0.001 and 0.1"


class UnknownProfile(ReproduceInputError):
    slug = "reproduce-unknown-profile"
    title = "Unknown drift profile"


class InvalidSeed(ReproduceInputError):
    slug = "reproduce-invalid-seed"
    title = "seed must be an integer between 0 and 2**53 - 1"


class MissingCalibration(ReproduceInputError):
    slug = "reproduce-no-calibration"
    title = "The run has no usable calibration"


class MissingCounts(ReproduceInputError):
    slug = "reproduce-no-counts"
    title = "The run has no counts to compare with"


class MissingCircuit(ReproduceInputError):
    slug = "reproduce-no-circuit"
    title = "The run has no transpiled circuit to re-run"
