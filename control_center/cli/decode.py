"""`control-center decode`: frames on stdin, one JSON object per line on stdout."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import IO

from panel_gateway.decode_output import describe, unreadable
from panel_gateway.protocols import dc09
from panel_gateway.protocols.errors import ParseError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    decode = sub.add_parser(
        "decode", help="decode DC-09 frames or Contact ID messages from stdin, one per line"
    )
    decode.add_argument(
        "--json", action="store_true", help="each line is a JSON string holding the exact frame"
    )
    decode.add_argument(
        "--key", action="append", default=[], metavar="ACCOUNT=KEY",
        help="a DC-09 AES key: 32/48/64 hex digits, or 16/24/32 characters as they are",
    )  # fmt: skip
    decode.add_argument("--now", help="the receiver clock for the timestamp window (ISO 8601; default: now)")
    decode.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    return run_decode(args.key, args.now, args.json, sys.stdin, sys.stdout)


def parse_keys(pairs: Iterable[str]) -> dict[str, bytes] | str:
    keys: dict[str, bytes] = {}
    for pair in pairs:
        account, sep, hex_key = pair.partition("=")
        if not sep or not account:
            return f"--key must be ACCOUNT=HEX, got {pair!r}"
        key = dc09.parse_key(hex_key)
        if isinstance(key, ParseError):
            return f"--key {account}: {key.reason}"
        keys[dc09.canonical_account(account.strip())] = key  # as the receiver names accounts
    return keys


def parse_now(text: str | None) -> dt.datetime | str:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return f"--now must be ISO 8601, got {text!r}"
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def run_decode(
    key_args: list[str], now_arg: str | None, json_lines: bool, stdin: IO[str], stdout: IO[str]
) -> int:
    keys = parse_keys(key_args)
    now = parse_now(now_arg)
    for problem in (keys, now):
        if isinstance(problem, str):
            print(problem, file=sys.stderr)
            return 2
    assert isinstance(keys, dict) and isinstance(now, dt.datetime)
    for line in stdin:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        if json_lines:
            try:
                text = json.loads(text)
            except json.JSONDecodeError:
                text = None
            if not isinstance(text, str):
                stdout.write(json.dumps(unreadable("a --json line must be a JSON string")) + "\n")
                continue
        stdout.write(json.dumps(describe(text, keys=keys, now=now), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
