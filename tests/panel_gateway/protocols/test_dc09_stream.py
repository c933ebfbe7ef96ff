"""Cutting a TCP stream into DC-09 frames: whatever the chunks, the same frames; junk refused once."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from panel_gateway.protocols import dc09
from panel_gateway.protocols.dc09 import MAX_FRAME, Outgoing
from panel_gateway.protocols.dc09_stream import FrameSplitter, Overrun

NOW = dt.datetime(2026, 11, 22, 3, 0, 0, tzinfo=dt.UTC)
FIRE = dc09.encode(Outgoing("SIA-DCS", 1, "1001", "#1001|Nri1/FA001"), at=NOW)
POLL = dc09.encode(Outgoing("NULL", 2, "1001"), at=NOW)


def test_pipelined_frames_in_one_chunk_come_out_in_order() -> None:
    assert FrameSplitter().feed(FIRE + POLL + FIRE) == [FIRE, POLL, FIRE]


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(0, len(FIRE + POLL)), max_size=6))
def test_frames_cut_anywhere_come_out_whole(cuts: list[int]) -> None:
    stream = FIRE + POLL
    splitter, frames, last = FrameSplitter(), [], 0
    for cut in [*sorted(cuts), len(stream)]:
        frames += splitter.feed(stream[last:cut])
        last = cut
    assert frames == [FIRE, POLL]
    assert splitter.pending == b""


def test_nuls_between_frames_are_skipped() -> None:
    assert FrameSplitter().feed(FIRE + b"\x00\x00" + POLL) == [FIRE, POLL]


def test_a_megabyte_without_terminator_is_one_refusal() -> None:
    splitter = FrameSplitter()
    out = []
    for _ in range(16):  # 1 MiB in 64 KiB reads, as the receiver reads it
        out += splitter.feed(b"A" * 65536)
    (refusal,) = out
    assert isinstance(refusal, Overrun)
    assert refusal.reason == f"no frame end (CR) within {MAX_FRAME} bytes"
    assert len(refusal.raw) == 65536  # what had arrived when it was refused, no more


def test_a_frame_running_on_past_its_length_field_is_refused_without_waiting_for_a_cr() -> None:
    body_end = FIRE.index(b"\r")
    (refusal,) = FrameSplitter().feed(FIRE[:body_end] + b"X" * 100)
    assert isinstance(refusal, Overrun)
    assert refusal.reason.startswith("frame runs on past its length field 0")


def test_a_frame_before_the_junk_is_still_handed_on() -> None:
    out = FrameSplitter().feed(FIRE + b"B" * (MAX_FRAME + 1))
    assert out[0] == FIRE and isinstance(out[1], Overrun) and len(out) == 2


def test_a_short_garbage_line_is_a_frame_for_the_parser_to_refuse() -> None:
    assert FrameSplitter().feed(b"\nhello there\r") == [b"\nhello there\r"]


def test_what_an_unfinished_frame_leaves_is_pending() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(FIRE[:20]) == []
    assert splitter.pending == FIRE[:20]


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.binary(max_size=3000), max_size=8))
def test_any_bytes_give_bounded_frames_and_at_most_one_refusal(chunks: list[bytes]) -> None:
    splitter, out = FrameSplitter(), []
    for chunk in chunks:
        out += splitter.feed(chunk)
    refusals = [o for o in out if isinstance(o, Overrun)]
    assert len(refusals) <= 1 and (not refusals or out[-1] is refusals[0])
    assert all(len(o) <= MAX_FRAME for o in out if isinstance(o, bytes))
    assert len(splitter.pending) < MAX_FRAME  # memory per connection is bounded


# pysiaalarm pull request 90: an Ajax hub's two polls in one TCP segment, the first without its CR.
AJAX = b'12CE0026"NULL"0000L0#CCC[]_02:48:01,03-10-2026 ECFA0012"NULL"0000L0#CCC[]\r'


def test_a_frame_without_its_cr_is_cut_at_its_length_field_when_the_next_frame_follows() -> None:
    first, second = FrameSplitter().feed(AJAX)
    assert (first, second) == (AJAX[:46], b'ECFA0012"NULL"0000L0#CCC[]\r')
    ajax_now = dt.datetime(2026, 3, 10, 2, 48, 1, tzinfo=dt.UTC)
    assert isinstance(dc09.parse(first, keys={}, now=ajax_now), dc09.Frame)
    assert FrameSplitter().feed(POLL.rstrip(b"\r") + FIRE) == [POLL.rstrip(b"\r"), FIRE]


def test_a_frame_without_its_cr_waits_while_the_next_header_is_still_arriving() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(POLL.rstrip(b"\r") + FIRE[:5]) == []
    assert splitter.feed(FIRE[5:]) == [POLL.rstrip(b"\r"), FIRE]


def test_what_runs_on_past_the_length_field_and_is_no_frame_is_still_refused() -> None:
    (cut,) = FrameSplitter().feed(POLL.rstrip(b"\r") + b"garbage\r")
    assert isinstance(cut, Overrun) and "runs on past its length field" in cut.reason
