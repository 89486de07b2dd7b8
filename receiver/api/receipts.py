"""The receipt page: what a phone opens from a receipt's QR code (`GET /r/{receipt}`).

Public and unsigned (a phone has no key), outside `/api/v1`: an HTML page in Chinese,
never cached or indexed, that says whether the receipt proves itself and, once the case
arrived, its status, dates and the legal time limits ahead (`receiver.receipt_view`).
The receipt text in its path is masked in the access log (`common.loggable`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from receiver import receipt_view
from receiver.storage import receipts
from wire import receipt as wire_receipt

router = APIRouter()
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@router.get(wire_receipt.PAGE_PATH + "{text}", response_class=HTMLResponse,
            include_in_schema=False)
async def receipt_page(request: Request, text: str) -> HTMLResponse:
    store = request.app.state.store
    try:
        check = await run_in_threadpool(store.check_receipt, text)
    except receipts.ReceiptRefused as exc:
        return HTMLResponse(receipt_view.render_refused(exc), status_code=404,
                            headers=_HEADERS)
    return HTMLResponse(receipt_view.render(check), headers=_HEADERS)
