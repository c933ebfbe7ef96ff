"""`control-center bench decode`: frames per second through our decoders and through pysiaalarm.

The same frames go through both, parsed and checked as a receiver must (CRC, timestamp); we also
check the length field and decode every event, which pysiaalarm does not. pysiaalarm is a
benchmark-only extra (`pip install -e '.[dev]'`), never a runtime dependency.
"""

from __future__ import annotations

import datetime as dt
import platform
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from panel_gateway.protocols import contact_id, dc09
from panel_gateway.protocols.contact_id import Qualifier
from panel_gateway.protocols.dc09 import Frame, Outgoing

KEY_TEXT = "A1B2C3D4E5F6G7H8"  # pysiaalarm takes the key as 16 ASCII characters
KEY = KEY_TEXT.encode()
SIA_CODES = ["BA", "FA", "PA", "MA", "GA", "OP", "CL", "RP", "YT", "WA"]
CID_CODES = [110, 130, 120, 100, 151, 401, 602, 302]


def frames(count: int, now: dt.datetime, seed: int = 7) -> dict[str, list[bytes]]:
    rng = random.Random(seed)
    plain, encrypted, adm, cid, rich = [], [], [], [], []
    for i in range(count):
        account = f"{rng.randrange(0x1000, 0xFFFFFF):X}"
        sia = f"#{account}|Nri{rng.randrange(1, 9)}/{rng.choice(SIA_CODES)}{rng.randrange(1000):03d}"
        plain.append(dc09.encode(Outgoing("SIA-DCS", i % 10000, account, sia, "1", "12"), at=now))
        # The full grammar: a user modifier, the area, the event, its text and a verification URL
        # (in the field order pysiaalarm reads: id, ri, code; one extended field).
        full = f"#{account}|Nid{rng.randrange(1, 99)}/ri{rng.randrange(1, 9)}/{rng.choice(SIA_CODES)}"
        full += f"{rng.randrange(1000):03d}^zone {i}^"
        url = (f"Vhttps://cam.example/clip/{i}",)
        rich.append(dc09.encode(Outgoing("SIA-DCS", i % 10000, account, full, "1", "12", url), at=now))
        # Encrypted, the block omits its own account (as the standard's example does).
        block = sia.split("|", 1)[1]
        encrypted.append(
            dc09.encode(Outgoing("SIA-DCS", i % 10000, "BEEF", block, "1", "12"), at=now, key=KEY)
        )
        q = rng.choice(["1", "3"])
        adm_block = (
            f"#{account}|{q}{rng.choice(CID_CODES):03d} {rng.randrange(100):02d} {rng.randrange(1000):03d}"
        )
        adm.append(dc09.encode(Outgoing("ADM-CID", i % 10000, account, adm_block, "1", "12"), at=now))
        cid.append(contact_id.encode(f"{rng.randrange(10000):04d}", Qualifier.NEW, rng.choice(CID_CODES),
                                     rng.randrange(100), rng.randrange(1000)).encode())  # fmt: skip
    return {"plain": plain, "encrypted": encrypted, "adm_cid": adm, "contact_id": cid, "rich": rich}


def rate(run: Callable[[], int], repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in items per second."""
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        n = run()
        best = max(best, n / (time.perf_counter() - start))
    return best


def rates(ours_run: Callable[[], int], peer_run: Callable[[], int], repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` runs of each, taken in turn (ours, peer, ours…) so that both sides meet the
    same load on a shared machine."""
    best_ours = best_peer = 0.0
    for _ in range(repeat):
        best_ours = max(best_ours, rate(ours_run, 1))
        best_peer = max(best_peer, rate(peer_run, 1))
    return best_ours, best_peer


def ours(items: Sequence[bytes], now: dt.datetime) -> Callable[[], int]:
    keys = {"BEEF": KEY}

    def run() -> int:
        for raw in items:
            result = dc09.parse(raw, keys=keys, now=now)
            if not isinstance(result, Frame) or result.unreadable is not None:
                raise AssertionError(f"our decoder refused a valid frame: {result}")
            if result.extended:
                result.extended_data()  # the receiver decodes the extended fields too
        return len(items)

    return run


def ours_contact_id(items: Sequence[bytes]) -> Callable[[], int]:
    texts = [i.decode() for i in items]

    def run() -> int:
        for text in texts:
            if not isinstance(contact_id.parse(text), contact_id.ContactIdEvent):
                raise AssertionError("our decoder refused a valid Contact ID")
        return len(texts)

    return run


def peer(items: Sequence[bytes]) -> Callable[[], int]:
    from pysiaalarm import SIAAccount
    from pysiaalarm.event import SIAEvent

    accounts: dict[str, Any] = {}
    lines = [raw.decode().strip("\r\n") for raw in items]
    for line in lines:
        account = line.split("#", 1)[1].split("[", 1)[0]
        accounts.setdefault(account, SIAAccount(account, KEY_TEXT if account == "BEEF" else None,
                                                allowed_timeband=(40, 20)))  # fmt: skip

    def run() -> int:
        for line in lines:
            event = SIAEvent.from_line(line, accounts)
            if not (event.valid_message and event.valid_timestamp and event.code):
                raise AssertionError(f"pysiaalarm refused a valid frame: {line}")
        return len(lines)

    return run


def run_bench(count: int = 5000) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    sets = frames(count, now)
    result: dict[str, Any] = {"frames": count, "comparisons": {}}
    for name in ("plain", "encrypted", "adm_cid", "rich"):
        ours_rate, peer_rate = rates(ours(sets[name], now), peer(sets[name]))
        result["comparisons"][name] = {
            "ours_per_s": round(ours_rate),
            "peer_per_s": round(peer_rate),
            "ratio": round(ours_rate / peer_rate, 2),
        }
    result["contact_id_per_s"] = round(rate(ours_contact_id(sets["contact_id"])))
    return result


def report(r: dict[str, Any]) -> str:
    python = f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
    lines = [
        f"decode bench: {r['frames']} frames per set, best of 3 (taken in turn), {python}",
        f"{'set':<10} {'ours/s':>10} {'pysiaalarm/s':>13} {'ratio':>6}",
    ]
    for name, row in r["comparisons"].items():
        lines.append(f"{name:<10} {row['ours_per_s']:>10} {row['peer_per_s']:>13} {row['ratio']:>6}")
    lines.append(f"{'contact_id':<10} {r['contact_id_per_s']:>10} {'(no peer)':>13}")
    return "\n".join(lines)
