"""`control-center bench fuzz`: a short run in CI; 1,000,000 inputs are run by hand (docs/benchmarks.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from control_center.cli import main
from panel_gateway.protocols import contact_id, dc09, mqtt_payload, sia_dc03, surgard
from panel_gateway.protocols.errors import ParseError
from simulators.bench import fuzz


def test_20000_mutated_inputs_through_every_decoder_raise_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "fuzz", "--inputs", "20000", "--seed", "15", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["inputs"], result["exceptions"]) == (20000, 0), result["samples"]
    assert len(result["entry_points"]) == len(fuzz.entry_points())
    assert all(row["inputs"] > 0 for row in result["entry_points"].values())


def test_the_same_seed_gives_the_same_inputs() -> None:
    assert fuzz.run(500, seed=3)["inputs_sha256"] == fuzz.run(500, seed=3)["inputs_sha256"]
    assert fuzz.run(500, seed=3)["inputs_sha256"] != fuzz.run(500, seed=4)["inputs_sha256"]


def test_the_seeds_are_frames_the_decoders_accept() -> None:
    # Mutations of valid frames reach deep into the parsers; mutations of junk would not.
    seeds = fuzz._seeds()
    now, keys = fuzz.NOW, fuzz.KEYS
    for seed in seeds["dc09"]:
        assert isinstance(dc09.parse(seed.data, keys=keys, now=now), dc09.Frame), seed
    for seed in seeds["mqtt"]:
        assert isinstance(mqtt_payload.parse("1234", seed.data, keys=keys, now=now), list), seed
    for seed in seeds["cid"]:
        assert isinstance(contact_id.parse(seed.data.decode()), contact_id.ContactIdEvent), seed
    for seed in seeds["sia_block"]:
        assert isinstance(sia_dc03.parse_block(seed.data.decode()), tuple), seed
    for seed in seeds["surgard"]:
        assert not isinstance(surgard.parse(seed.data), ParseError), seed
    for seed in seeds["answer"]:
        assert isinstance(dc09.parse_answer(seed.data, key=fuzz.KEY), dc09.Answer), seed
    assert fuzz.NOW.tzinfo is dt.UTC
