"""The notes API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from control_center.notes.models import MAX_NOTE_CHARS


class NoteIn(BaseModel):
    # The limit is checked (after trimming) by the service too, with the same message as the form's.
    body: str = Field(max_length=MAX_NOTE_CHARS + 200, description="Free text; trimmed, 1–2000 characters")


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    at: dt.datetime
    author: str = Field(description="The author's login")
    author_name: str | None = Field(default=None, description="The author's name, when the user has one")
    body: str
