"""Key sets held at depots: each sealed with a numbered seal; taking a key out breaks it; resealing
records a new number, never one used before on that premises' keys."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol, TypeVar

from control_center.core.i18n import N_


class KeyState(StrEnum):
    SEALED = "sealed"
    OUT = "out"


KEY_WORDS = (N_("sealed"), N_("out"), N_("registered"), N_("taken_out"), N_("resealed"))


class KeyRuleError(Exception):
    """A key movement the rules do not allow (the message says why)."""


class HeldKeys(Protocol):
    state: str


K = TypeVar("K", bound=HeldKeys)


def keys_out(key_sets: Iterable[K]) -> list[K]:
    """The key sets still out (seal broken, not yet resealed). A job is not finished with keys out: they
    must be back at the depot or resealed before the incident is closed (issue 17), which both the
    responder and the operator are warned of."""
    return [k for k in key_sets if k.state == KeyState.OUT]


def check_take_out(state: str, *, incident_closed: bool = False) -> None:
    """A seal is broken only for a live job: once the center has closed the incident (called off before
    arrival) nobody needs to enter, and a broken seal costs the subscriber a reseal and a notice."""
    if incident_closed:
        raise KeyRuleError("the center has closed this incident: the keys stay sealed")
    if state != KeyState.SEALED:
        raise KeyRuleError("this key set is already out; it must be resealed first")


def check_reseal(state: str, new_seal: str, used_seals: set[str]) -> str:
    new_seal = new_seal.strip()
    if state != KeyState.OUT:
        raise KeyRuleError("only a key set that was taken out is resealed")
    if not new_seal:
        raise KeyRuleError("give the new seal's number")
    if new_seal in used_seals:
        raise KeyRuleError(f"seal {new_seal} was used before on these keys; take a new seal")
    return new_seal
