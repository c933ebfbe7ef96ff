"""Parameter types shared by the routes: a row id is a positive 64-bit integer (bigger gets 422, not 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path

MAX_ID = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
FormRowId = Annotated[int, Form(ge=1, le=MAX_ID)]
