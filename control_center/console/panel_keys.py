"""The administrator's DC-09 key form (on the admin page of ``access/views.py``): a panel's AES key,
sealed at rest by ``panel_gateway/dc09_keys.py``. Here, above both access and the gateway, so that
access never imports the gateway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from control_center.access.guard import require
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.web import flash
from panel_gateway.dc09_keys import set_key

router = APIRouter(include_in_schema=False)
KeyAdmin = Annotated[Principal, Depends(require(Permission.KEYS_MANAGE))]
ADMIN_PAGE = "/console/admin"


@router.post("/console/admin/dc09-keys")
async def dc09_key(
    request: Request,
    principal: KeyAdmin,
    account: str = Form(..., min_length=1, max_length=16, pattern=r"^[0-9A-Fa-f]+$"),
    key_hex: str = Form(..., min_length=32, max_length=64, pattern=r"^[0-9A-Fa-f]+$"),
) -> RedirectResponse:
    if len(key_hex) not in (32, 48, 64):
        return flash.redirect(request, ADMIN_PAGE, "an AES key is 32, 48 or 64 hex digits", error=True)
    try:
        async with request.app.state.sessions() as session:
            await set_key(session=session, box=request.app.state.secret_box, account=account, key_hex=key_hex)
            audit.record(
                session=session,
                actor=principal.actor,
                action="dc09_key_set",
                subject=f"panel:{account}",
                at=utcnow(),
            )
            await session.commit()
    except (LookupError, ValueError) as exc:
        return flash.redirect(request, ADMIN_PAGE, str(exc), error=True)
    return flash.redirect(request, ADMIN_PAGE, "recorded")
