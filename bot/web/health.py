"""/healthz: is the database answering and is the scheduler ticking?"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from bot.web.deps import SendbotDep

router = APIRouter()


@router.get("/healthz")
async def healthz(sendbot: SendbotDep) -> JSONResponse:
    """200 when the database and the scheduler are both well, else 503 saying which is not."""
    database_ok = await asyncio.to_thread(sendbot.db.ping)
    ticker = sendbot.ticker
    healthy = database_ok and ticker.running
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": "ok" if database_ok else "unreachable",
        "scheduler": "running" if ticker.running else "stopped",
        "jobs": {
            name: {
                "last_ok": ticker.health.last_ok.get(name),
                "last_error": ticker.health.last_error.get(name),
            }
            for name in ("plan", "dispatch")
        },
    }
    return JSONResponse(
        jsonable_encoder(body),
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )
