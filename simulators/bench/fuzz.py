"""`control-center bench fuzz`: mutated inputs through every decoder entry point; counts what escapes.

The seeds are valid frames and payloads of every format the center reads. Each input is one seed
with one to three mutations: bit flips, byte inserts and deletes, splices with another seed, digit
swaps (also to other scripts' digits such as '١' or '²'), repeats past the size limits, deep
nesting, JSON type swaps, truncation. Some mutations re-frame their result so that it passes the
outer checks and reaches the inner parsers: a DC-09 body gets its CRC and length recomputed (and is
encrypted again with the account's key when the seed was encrypted), a Contact ID its checksum.

A decoder must answer every input with a value (a ParseError at worst); every exception it lets
out is counted, and the CPU time of the costliest input reported. The run is deterministic for a
seed: ``inputs_sha256`` is the same on any machine.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import random
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from panel_gateway import decode_output as decode
from panel_gateway.ingest import dead_row, received, signal_row
from panel_gateway.protocols import (
    contact_id,
    dc09,
    mqtt_payload,
    panel_signal,
    sia_codes,
    sia_dc03,
    surgard,
)
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.crc16 import crc16_arc
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # fixed: the run must not depend on the clock
KEY = bytes(range(16))
KEYS = {"BEEF": KEY, "5678": KEY}  # 1234 sends plain frames; a keyed account may only send encrypted
ROOT = "panels"
MAX_INPUT = 24 * 1024  # past mqtt_payload.MAX_PAYLOAD, so the size limit is crossed too
SAMPLES = 5

# '١' or '０' are decimal to int() but no panel's digits; '²' is a digit to str.isdigit(), not to int().
ODD_DIGITS = ("١", "٣", "۹", "०", "০", "๓", "０", "𝟙", "²", "³", "¹", "߁")
INTERESTING = [bytes([b]) for b in b'\x00\xff"[]|#/{}\\\n\r\x14 ,:^_-*.+'] + [
    "é".encode(),
    "١".encode(),
    "²".encode(),
    b"\xed\xa0\x80",  # a surrogate, encoded: not UTF-8
    b"\xc3",  # half a character
    "🔥".encode(),
]
_DEEP = "@@deep@@"  # placeholders replaced in the JSON text (json.dumps itself would recurse)
_HUGE_INT = "@@huge-int@@"
ODD_VALUES: list[object] = [
    {"x": 1}, [1, 2], [], {}, 0, -1, 10**30, 1.5, float("nan"), float("inf"), True, False, None, "",
    "A" * 300, "١٢٣", "²", "\ud800", "FA", "outdoor_camera", "https://x", "2026-11-22T12:00:00+09:00",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", _DEEP, _HUGE_INT,
]  # fmt: skip
_PAD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_CID_DIGITS = frozenset("0123456789BCDEF")


@dataclass(frozen=True, slots=True)
class Seed:
    data: bytes
    kind: str = "text"  # text | json | dc09 | cid
    head: bytes = b""  # dc09: '"ID"seq…#acct[' in clear
    tail: bytes = b""  # dc09: what follows the header, before encryption
    key: bytes | None = None  # dc09: encrypted with this key


@dataclass(slots=True)
class EntryPoint:
    name: str
    call: Callable[[bytes], object]
    seeds: list[Seed]
    inputs: int = 0
    exceptions: int = 0
    slowest: float = 0.0  # CPU seconds of the costliest input (not wall time: other processes share the CPU)
    slowest_input: str = ""
    errors: dict[str, int] = field(default_factory=dict)  # exception type → count

    def figures(self) -> dict[str, Any]:
        figures = {
            "inputs": self.inputs,
            "exceptions": self.exceptions,
            "slowest_ms": round(self.slowest * 1000, 2),
            "slowest_input": self.slowest_input,
        }
        return figures | ({"errors": self.errors} if self.errors else {})


# --- seeds: valid inputs of every format ------------------------------------------------------------


def _frame(head: bytes, tail: bytes, key: bytes | None, rng: random.Random | None = None) -> bytes:
    """LF crc 0LLL body CR; the tail encrypted after a pad as DC-09 does it when a key is given."""
    if key is not None:
        size = 16 - (len(tail) + 1) % 16
        pad = bytes(rng.choice(_PAD_ALPHABET) for _ in range(size)) if rng else _PAD_ALPHABET[:size]
        encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
        tail = (encryptor.update(pad + b"|" + tail) + encryptor.finalize()).hex().upper().encode()
    body = head + tail
    return b"\n%04X%04X%s\r" % (crc16_arc(body), len(body), body)


def _dc09(token: str, seq: int, account: str, data: str, key: bytes | None = None, ext: str = "") -> Seed:
    head = f'"{"*" if key else ""}{token}"{seq:04d}R1L1#{account}['.encode()
    tail = f"{data}]{ext}{dc09.timestamp_text(NOW)}".encode()
    return Seed(_frame(head, tail, key), "dc09", head, tail, key)


def _cid(account: str, code: int, q: Qualifier = Qualifier.NEW) -> str:
    return contact_id.encode(account, q, code, 1, 3)


def _json(**doc: object) -> Seed:
    return Seed(json.dumps({"msg_id": "m-1", "sent_at": "2026-11-22T21:00:00+09:00", **doc}).encode(), "json")


def _seeds() -> dict[str, list[Seed]]:
    camera = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="  # noqa: E501
    payloads = [
        _json(contact_id=_cid("1234", 110)),
        _json(contact_id="1234 18 1 130 01 003 " + _cid("1234", 130)[-1], device="outdoor_camera"),
        _json(sia={"code": "FA", "zone": 3, "partition": 1}),
        _json(msg_id=42, sia={"code": "BA"}, device="outdoor_camera", images=[camera, "https://cam/1.jpg"]),
        Seed(b'{"msg_id": "hb-77", "heartbeat": true}', "json"),
    ]
    frames = [
        _dc09("SIA-DCS", 1, "1234", "#1234|Nri1/FA129"),
        _dc09("SIA-DCS", 2, "1234", "Nri1/BA003/BA004/ri2/OP001"),
        _dc09("ADM-CID", 3, "1234", "#1234|1110 01 003", ext="[X139E35Y35N12]"),
        _dc09("NULL", 4, "1234", ""),
        _dc09("SIA-DCS", 5, "5678", "|Nri1/FA129", key=KEY),
        _dc09("ADM-CID", 6, "BEEF", "#BEEF|3401 02 012", key=KEY),
        _dc09("NULL", 7, "5678", "", key=KEY),
    ]
    cids = [
        Seed(_cid("1234", 110).encode(), "cid"),
        Seed(_cid("00BF", 401, Qualifier.RESTORE).encode(), "cid"),
    ]
    cids.append(Seed(b" ".join([cids[0].data[:4], cids[0].data[4:6], cids[0].data[6:]]), "cid"))
    plain = [dc09.parse(s.data, keys=KEYS, now=NOW) for s in frames if s.key is None]
    answers = [Seed(dc09.response(f, keys=KEYS, now=NOW), "dc09") for f in plain]
    answers.append(Seed(dc09.nak(now=NOW), "dc09"))
    # An encrypted ACK built here: dc09's own pads it at random, and the run must be repeatable.
    answers.append(_dc09("ACK", 5, "5678", "", key=KEY))
    event = ContactIdEvent("1234", "18", Qualifier.NEW, 110, 1, 3)
    return {
        "mqtt": payloads + [f for f in frames if f.key is None] + [c for c in cids if c.data[:4] == b"1234"],
        "json": payloads,
        "topic": [Seed(b"panels/1234/signals"), Seed(b"panels/00AB_c-d/signals")],
        "camera": [payloads[3]],
        "cid": cids,
        "adm": [Seed(b"1110 01 003"), Seed(b"3401 02 012"), Seed(b"6602 00 000")],
        "sia": [
            Seed(b'{"code": "FA", "zone": 3, "partition": 1}', "json"),
            Seed(b'{"code": "BA"}', "json"),
        ],
        "sia_block": [
            Seed(sia_dc03.encode_block([SiaEvent("FA", 129, 1)]).encode()),
            Seed(b"Nri1/BA003/BA004"),
            Seed(b"Nri1/FA129/ri2/BA003"),
            Seed(b"Nid12/ti10:00/OP001"),
            Seed(b"N^kitchen^/ri1/FA1"),
        ],
        "surgard": [
            Seed(surgard.encode_contact_id(1, 1, event)[:-1]),
            Seed(surgard.encode_heartbeat()[:-1]),
            Seed(b"5011 181234R401 01 012"),
        ],
        "dc09": frames,
        "answer": answers,
        "key": [Seed(KEY.hex().encode()), Seed(bytes(range(32)).hex().upper().encode())],
        "line": [Seed(s.data) for s in frames] + cids,
    }


# --- the entry points ---------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")  # invalid bytes become lone surrogates


def _json_or_text(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return _text(data)


def _dc09_receiver(data: bytes) -> object:
    """What the DC-09 receiver does with a frame: parse, answer, and turn it into signals."""
    result = dc09.parse(data, keys=KEYS, now=NOW)
    answer = dc09.response(result, keys=KEYS, now=NOW)
    if isinstance(result, dc09.Frame):
        panel_signal.from_dc09(result, NOW)
    return answer


def _mqtt_rows(data: bytes) -> object:
    """What the MQTT gateway hands the database: one row per signal, or the dead letter."""
    decoded = mqtt_payload.parse("1234", data, keys=KEYS, now=NOW)
    rows = []
    for item in received("mqtt", f"{ROOT}/1234/signals", data, NOW, decoded):
        if isinstance(item.decoded, ParseError):
            rows.append(dead_row(item, item.decoded.reason))
        elif item.decoded.event is not None:
            rows.append(signal_row(item, item.decoded))
    return rows


def entry_points() -> list[EntryPoint]:
    s = _seeds()
    calls: list[tuple[str, Callable[[bytes], object], str]] = [
        ("mqtt_payload.parse", lambda b: mqtt_payload.parse("1234", b, keys=KEYS, now=NOW), "mqtt"),
        ("mqtt_payload.parse_json", lambda b: mqtt_payload.parse_json("1234", b), "json"),
        ("mqtt_payload.topic_account", lambda b: mqtt_payload.topic_account(_text(b), ROOT), "topic"),
        ("mqtt_payload.images_in", lambda b: mqtt_payload.images_in(_text(b)), "camera"),
        ("mqtt_payload.parse + ingest rows", _mqtt_rows, "mqtt"),
        ("contact_id.parse", lambda b: contact_id.parse(_text(b)), "cid"),
        ("contact_id.parse_adm_block", lambda b: contact_id.parse_adm_block("1234", _text(b)), "adm"),
        ("sia_codes.parse", lambda b: sia_codes.parse(_json_or_text(b)), "sia"),
        ("sia_dc03.parse_block", lambda b: sia_dc03.parse_block(_text(b)), "sia_block"),
        ("surgard.parse", surgard.parse, "surgard"),
        ("dc09.parse (decrypt too) + response + signals", _dc09_receiver, "dc09"),
        ("dc09.parse_answer", lambda b: dc09.parse_answer(b, key=KEY), "answer"),
        ("dc09.parse_key", lambda b: dc09.parse_key(_text(b)), "key"),
        ("decode.describe", lambda b: decode.describe(_text(b), keys=KEYS, now=NOW), "line"),
    ]
    return [EntryPoint(name, call, s[corpus]) for name, call, corpus in calls]


# --- mutations ------------------------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes, Sequence[bytes]], bytes]


def _flip(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _insert(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    at = rng.randint(0, len(data))
    extra = b"".join(
        rng.choice(INTERESTING) if rng.random() < 0.7 else bytes([rng.randrange(256)])
        for _ in range(rng.randint(1, 4))
    )
    return data[:at] + extra + data[at:]


def _delete(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 8) :]


def _replace(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    if not data:
        return rng.choice(INTERESTING)
    at = rng.randrange(len(data))
    return data[:at] + rng.choice(INTERESTING) + data[at + 1 :]


def _splice(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    other = rng.choice(corpus)
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


def _digit(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    places = [i for i, c in enumerate(data) if 0x30 <= c <= 0x39]
    if not places:
        return _insert(rng, data, corpus)
    at = rng.choice(places)
    digit = rng.choice(ODD_DIGITS).encode() if rng.random() < 0.6 else str(rng.randrange(10)).encode()
    return data[:at] + digit + data[at + 1 :]


def _truncate(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    return data[: rng.randint(0, len(data))]


def _repeat(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 64)]
    times = rng.choice((2, 10, 100, 1000, 20000))
    return data[:start] + chunk * times + data[start:]


def _nest(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    depth = rng.choice((8, 9, 50, 1000, 5000, 12000))
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}"), (b'{"sia":', b"}")))
    at = rng.randint(0, len(data))
    inner = data[at:] if rng.random() < 0.5 else b"1"
    return data[:at] + opener * depth + inner + closer * depth


def _case(rng: random.Random, data: bytes, corpus: Sequence[bytes]) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at : at + 1].swapcase() + data[at + 1 :]


GENERIC: list[Mutation] = [
    _flip,
    _insert,
    _delete,
    _replace,
    _splice,
    _digit,
    _truncate,
    _repeat,
    _nest,
    _case,
]


def _json_swap(rng: random.Random, data: bytes) -> bytes:
    """A value (anywhere in the object) becomes another type, a key goes, or the whole is replaced."""
    doc = json.loads(data)
    slots: list[tuple[Any, Any]] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            slots.append((node, key))
            stack.append(node[key])
    value = rng.choice(ODD_VALUES)
    if not slots or rng.random() < 0.1:
        doc = value
    else:
        node, key = rng.choice(slots)
        if isinstance(node, dict) and rng.random() < 0.2:
            del node[key]
        else:
            node[key] = value
    text = json.dumps(doc).encode()
    text = text.replace(f'"{_DEEP}"'.encode(), b"[" * 5000 + b"]" * 5000)
    return text.replace(f'"{_HUGE_INT}"'.encode(), b"7" * 5000)


def _reframe(rng: random.Random, seed: Seed, corpus: Sequence[bytes]) -> bytes:
    """A DC-09 frame whose CRC and length agree (encrypted again if it was), so the inner parsers see it."""
    head, tail = seed.head, seed.tail
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.75:
            tail = rng.choice(GENERIC)(rng, tail, corpus)[:4000]
        else:
            head = rng.choice(GENERIC)(rng, head, corpus)[:200]
    return _frame(head, tail, seed.key, rng)


def _fix_checksum(data: bytes) -> bytes:
    digits = "".join(data.decode("ascii", errors="replace").split()).upper()
    if len(digits) != 16 or not set(digits) <= _CID_DIGITS:
        return data
    return (digits[:15] + contact_id.checksum_digit(digits[:15])).encode()


def mutate(rng: random.Random, seed: Seed, corpus: Sequence[bytes]) -> bytes:
    if seed.kind == "dc09" and seed.head and rng.random() < 0.5:
        return _reframe(rng, seed, corpus)
    data = seed.data
    if seed.kind == "json" and rng.random() < 0.5:
        data = _json_swap(rng, data)
        if rng.random() < 0.7:
            return data[:MAX_INPUT]
    for _ in range(rng.choice((1, 1, 2, 3))):
        data = rng.choice(GENERIC)(rng, data, corpus)[:MAX_INPUT]
    if seed.kind == "cid" and rng.random() < 0.5:
        data = _fix_checksum(data)
    return data


# --- the run --------------------------------------------------------------------------------------------


def _where(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"


def run(inputs: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    points = entry_points()
    corpus = [s.data for p in points for s in p.seeds]
    digest = hashlib.sha256()
    samples: list[dict[str, str]] = []
    # The modules already loaded (SQLAlchemy, …) out of the collector's sight: otherwise a full collection
    # (~30 ms here) lands on whichever input happens to trigger it and passes for that decoder's cost.
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    for i in range(inputs):
        point = points[i % len(points)]
        data = mutate(rng, rng.choice(point.seeds), corpus)
        digest.update(len(data).to_bytes(4, "big") + data)
        point.inputs += 1
        begin = time.thread_time()
        try:
            point.call(data)
        except Exception as exc:  # what the fuzzer is here to count
            point.exceptions += 1
            name = type(exc).__name__
            point.errors[name] = point.errors.get(name, 0) + 1
            if len(samples) < SAMPLES:
                samples.append({"entry_point": point.name, "exception": f"{name}: {str(exc)[:200]}",
                                "where": _where(exc), "input": repr(data[:200])})  # fmt: skip
        spent = time.thread_time() - begin
        if spent > point.slowest:
            point.slowest, point.slowest_input = spent, repr(data[:80])
    gc.unfreeze()
    return {
        "inputs": inputs,
        "exceptions": sum(p.exceptions for p in points),
        "slowest_ms": round(max(p.slowest for p in points) * 1000, 2),
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "inputs_sha256": digest.hexdigest(),
        "entry_points": {p.name: p.figures() for p in points},
        "samples": samples,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"fuzz: {result['inputs']:,} mutated inputs (seed {result['seed']}) through "
        f"{len(result['entry_points'])} decoder entry points in {result['seconds']} s: "
        f"{result['exceptions']:,} uncaught exceptions, slowest input {result['slowest_ms']} ms",
        f"{'entry point':<52} {'inputs':>9} {'exceptions':>10} {'slowest ms':>10}",
    ]
    for name, row in result["entry_points"].items():
        errors = ", ".join(f"{k} {v}" for k, v in row.get("errors", {}).items())
        lines.append(
            f"{name:<52} {row['inputs']:>9,} {row['exceptions']:>10,} {row['slowest_ms']:>10}  {errors}"
        )
    for sample in result["samples"]:
        lines.append(
            f"  {sample['entry_point']}: {sample['exception']} at {sample['where']}; input {sample['input']}"
        )
    return "\n".join(lines)
