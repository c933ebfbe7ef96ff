"""The conformance corpus: third-party frames (frames.json, each with its provenance) through
`control-center decode`'s decoder and the receiver's answer. Classification is not checked here (its
table is `control_center/signals/classification.py`): only what the frame says."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from control_center.cli.decode import run_decode
from panel_gateway.decode_output import describe
from panel_gateway.protocols import dc09

CORPUS = json.loads((Path(__file__).parent / "frames.json").read_text(encoding="utf-8"))
FRAMES = CORPUS["frames"]
ANSWERS = CORPUS["answers"]


def _keys(entry: dict[str, Any]) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for account, text in entry.get("keys", {}).items():
        key = dc09.parse_key(text)
        assert isinstance(key, bytes), key
        keys[dc09.canonical_account(account)] = key
    return keys


def _now(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_entry_names_its_source() -> None:
    for entry in FRAMES + ANSWERS:
        source = entry["source"]
        assert source.get("issue", "").startswith("https://github.com/") or (
            source.get("repository") and source.get("path") and len(source.get("commit", "")) == 40
        ), entry["id"]
    assert len({e["id"] for e in FRAMES + ANSWERS}) == len(FRAMES + ANSWERS)


@pytest.mark.parametrize("entry", FRAMES, ids=[e["id"] for e in FRAMES])
def test_frame(entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    row = describe("\n" + entry["frame"] + "\r", keys=_keys(entry), now=_now(entry["now"]))
    assert row["valid"] is expect["valid"], row["reason"]
    token = row["response"][9:14].strip('"')  # LF, CRC and length, then the quoted token
    assert token.rstrip('"') == expect["answer"]
    if "answer_contains" in expect:
        assert expect["answer_contains"] in row["response"]
    if not expect["valid"]:
        assert row["error"] == expect["error"]
        return
    assert row["account"] == expect["account"]
    assert row["encrypted"] is expect.get("encrypted", False)
    assert row["unreadable"] is None
    assert [{k: v for k, v in e.items() if k != "service_type"} for e in row["events"]] == expect["events"]
    assert row["extended"] == expect.get("extended", {})


@pytest.mark.parametrize("entry", ANSWERS, ids=[e["id"] for e in ANSWERS])
def test_answer(entry: dict[str, Any]) -> None:
    answer = dc09.parse_answer(("\n" + entry["frame"] + "\r").encode(), key=None)
    assert isinstance(answer, dc09.Answer), answer
    expect = entry["expect"]
    stamp = _now(expect["timestamp"]) if expect["timestamp"] else None
    assert (answer.token, answer.sequence, answer.timestamp) == (expect["token"], expect["sequence"], stamp)


def test_the_decode_command_shows_extended_fields_modifiers_and_text() -> None:
    by_id = {e["id"]: e for e in FRAMES}
    rows = []
    for name in ("dahua-airshield-pi-and-room", "pysiaalarm-issue-11-no-slash-and-text"):
        entry, out = by_id[name], io.StringIO()
        assert run_decode([], entry["now"], True, io.StringIO(json.dumps(entry["frame"]) + "\n"), out) == 0
        rows.append(json.loads(out.getvalue()))
    assert rows[0]["extended"] == {"room": "LivingRoom"} and rows[0]["events"][0]["modifiers"] == {"pi": "1"}
    assert rows[1]["events"][0]["text"] == "VX FRONTE" and rows[1]["unreadable"] is None
