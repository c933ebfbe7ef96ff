"""Cutting a DC-09 TCP byte stream into frames, and refusing what cannot be one; pure, no sockets.

A frame ends with CR. Its ``0LLL`` length field says where: a stream whose CR is not where the length
field puts it (the frame runs on), or that holds no CR within the largest frame there can be, is not
DC-09. It is refused once, whole, and the connection is closed: answering every 4 KiB of a 1 MB
stream would write 255 dead letters and let one sender keep a receiver busy.

Some panels leave the CR out: Ajax and Dahua hubs write the next frame straight after a frame's last
character (``…_17:12:39,11-24-2026\nC626…`` or with a space, pysiaalarm pull request 90 and issue 54).
Where the length field ends the frame and the next one begins right there (LF or filler, then a
``crc 0LLL "`` header), the length field is the frame's end. Anything else past the length field is
still a run-on; a frame without CR with nothing after it waits for its CR (or the idle limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from panel_gateway.protocols.dc09 import MAX_FRAME

_HEADER = re.compile(rb"\n?[0-9A-Fa-f]{4}0([0-9A-Fa-f]{3})")
_NEXT_FRAME = re.compile(rb"[\x00 \t]*\n?[0-9A-Fa-f]{4}0[0-9A-Fa-f]{3}\"")  # a frame's start, after filler
_FILLER = b"\x00 \t\r"  # what some panels send between frames (NULs after the CR); LFs beyond the last too


@dataclass(frozen=True, slots=True)
class Overrun:
    """Bytes that cannot be a frame: refuse them and close the connection."""

    raw: bytes
    reason: str


class FrameSplitter:
    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max = max_frame
        self._refused = False

    @property
    def pending(self) -> bytes:
        """Bytes of a frame begun but not ended (what an idle connection leaves behind)."""
        return bytes(self._buffer)

    def feed(self, data: bytes) -> list[bytes | Overrun]:
        """The whole frames ``data`` completes, in order; an ``Overrun`` is always last."""
        if self._refused:
            return []
        self._buffer += data
        out: list[bytes | Overrun] = []
        while True:
            start = len(self._buffer) - len(self._buffer.lstrip(_FILLER + b"\n"))
            if start and self._buffer[start - 1] == 0x0A:
                start -= 1  # keep the LF that opens the frame
            if start:
                del self._buffer[:start]
            if not self._buffer:
                return out
            cut = self._next()
            if cut is None:
                return out
            out.append(cut)
            if isinstance(cut, Overrun):
                self._refused = True
                self._buffer.clear()
                return out

    def _next(self) -> bytes | Overrun | None:
        """One frame off the buffer, an Overrun, or None: wait for more bytes."""
        buffer = self._buffer
        cr = buffer.find(b"\r", 0, self._max)
        header = _HEADER.match(buffer)
        if header is not None:
            end = header.end() + int(header.group(1), 16)  # where the length field puts the CR
            if cr == -1 or cr > end:
                if len(buffer) > end and _NEXT_FRAME.match(buffer, end) is not None:
                    frame = bytes(buffer[:end])  # the CR left out: the length field says where it ends
                    del buffer[:end]
                    return frame
                if len(buffer) > end and not _may_start_frame(bytes(buffer[end:])):
                    return Overrun(
                        bytes(buffer), f"frame runs on past its length field 0{header.group(1).decode()}"
                    )
                return None
        elif cr == -1:
            if len(buffer) >= self._max:
                return Overrun(bytes(buffer), f"no frame end (CR) within {self._max} bytes")
            return None
        frame = bytes(buffer[: cr + 1])
        del buffer[: cr + 1]
        return frame


_HEX_DIGITS = b"0123456789ABCDEFabcdef"
_FRAME_START = [_HEX_DIGITS] * 4 + [b"0"] + [_HEX_DIGITS] * 3 + [b'"']  # after the optional LF


def _may_start_frame(rest: bytes) -> bool:
    """Whether ``rest`` (what follows a frame's length field) may still become the next frame's header
    as more bytes arrive: then wait rather than refuse."""
    rest = rest.lstrip(b"\x00 \t")
    if rest[:1] == b"\n":
        rest = rest[1:]
    return len(rest) < len(_FRAME_START) and all(
        byte in allowed for byte, allowed in zip(rest, _FRAME_START, strict=False)
    )
