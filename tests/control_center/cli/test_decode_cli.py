"""`control-center decode`, as a field technician runs it: frames in, one JSON object per line out."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

from control_center.cli.decode import run_decode
from panel_gateway.protocols import dc09
from panel_gateway.protocols.dc09 import Outgoing

NOW = "2026-11-22T03:00:00Z"
AT = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
KEY = "00112233445566778899AABBCCDDEEFF"
ANNEX_B = '\nCE110032"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]\r'


def decode(lines: list[str], *args: str, json_lines: bool = False) -> list[dict]:
    out = io.StringIO()
    keys = [a.removeprefix("--key=") for a in args if a.startswith("--key=")]
    assert run_decode(keys, NOW, json_lines, io.StringIO("".join(line + "\n" for line in lines)), out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_every_field_of_a_valid_frame() -> None:
    (row,) = decode([json.dumps(ANNEX_B)], json_lines=True)
    assert row["valid"] is True and row["error"] is None
    assert (row["protocol"], row["account"], row["sequence"], row["receiver"], row["line"]) == (
        "dc09", "12345A", "9876", "579BDF", "789ABC"
    )  # fmt: skip
    assert (row["id_token"], row["encrypted"], row["timestamp"]) == ("SIA-DCS", False, None)
    assert row["events"] == [{"code": "FA", "qualifier": None, "group": 0, "zone": 129, "service_type": "B"}]
    assert row["response"].startswith("\n") and '"ACK"9876R579BDFL789ABC#12345A[]' in row["response"]


def test_encrypted_frames_need_the_key_on_the_command_line() -> None:
    frame = dc09.encode(Outgoing("SIA-DCS", 5, "ABCD", "Nri2/BA007"), at=AT, key=bytes.fromhex(KEY)).decode()
    with_key, without = (
        decode([json.dumps(frame)], f"--key=ABCD={KEY}", json_lines=True),
        decode([json.dumps(frame)], json_lines=True),
    )
    assert (
        with_key[0]["valid"]
        and with_key[0]["encrypted"]
        and with_key[0]["timestamp"] == "2026-11-22T03:00:00Z"
    )
    assert with_key[0]["events"][0] == {
        "code": "BA",
        "qualifier": None,
        "group": 2,
        "zone": 7,
        "service_type": "A",
    }
    assert (without[0]["valid"], without[0]["error"]) == (False, "key")


def test_errors_name_their_kind() -> None:
    stale = dc09.encode(
        Outgoing("SIA-DCS", 5, "ABCD", "Nri2/BA007"), at=AT - dt.timedelta(minutes=2)
    ).decode()
    rows = decode(
        [ANNEX_B.strip().replace("CE11", "CE12"), ANNEX_B.strip().replace("0032", "0031"), stale.strip(),
         "1234181130010014", "12341811300100Z9", "1234181130010019"],
    )  # fmt: skip
    assert [r["error"] for r in rows] == ["crc", "length", "timestamp", "checksum", "digits", None]
    assert (
        rows[2]["response"].startswith("\n")
        and '"NAK"0000R0L0A0[]_03:00:00,11-22-2026' in rows[2]["response"]
    )
    assert rows[5]["protocol"] == "contact-id" and rows[5]["events"][0]["code"] == "130"


def test_the_command_reads_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "control_center.cli", "decode", "--now", NOW],
        input=ANNEX_B.strip() + "\n", capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout)["events"][0]["service_type"] == "B"


def test_a_bad_key_argument_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "control_center.cli", "decode", "--key", "ABCD=1234"],
        input="", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "16, 24 or 32 bytes" in result.stderr
