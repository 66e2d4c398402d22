"""The pipeline board of a sales line: stages as columns with deals' exact and weighted totals,
cards moved by drag and drop (static/board.js) or by their own buttons (keyboard, no script),
close won / lost in a dialog, reopen. Every move and close is deals' decision: a refused one
comes back with deals' own message (the dragged card snaps back)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_console.domain.deals import Board
from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.entrypoints import board_view
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    language_of,
    posted,
    redirect,
    render,
    require,
    safe_next,
    say,
    texts,
)
from crm_console.service_layer import pipeline

NAV = [(30, "Pipeline", "/board")]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _context(request: Request, board: Board, **extra: object) -> dict[str, object]:
    console = console_of(request)
    session = require(request)
    now = console.deps.clock.now()
    return {
        "board": board,
        "columns": board_view.columns(board, language_of(request), now, session.person.user_id),
        "lines": pipeline.pipelines(console.deps, session),
        "lost_reasons": pipeline.lost_reasons(console.deps, session),
        "now": now,
        "notice": request.query_params.get("notice", ""),
        **extra,
    }


def lines(request: Request) -> Response:
    """The board of the first sales line the person works (a chooser when there are several)."""
    session = require(request)
    chosen = request.query_params.get("line", "")
    if chosen:
        return redirect(f"/board/{chosen}")
    found = pipeline.pipelines(console_of(request).deps, session)
    if found:
        return redirect(f"/board/{found[0].sales_line_id}")
    return render(request, "board/none.html")


def board_page(request: Request) -> Response:
    session = require(request)
    board = pipeline.board(
        console_of(request).deps, session, sales_line_id=request.path_params["line_id"]
    )
    if request.query_params.get("fragment"):
        return render(request, "board/_columns.html", _context(request, board))
    return render(request, "board/board.html", _context(request, board))


def _answer(request: Request, form: Form, error: ConsoleError | None, notice: str) -> Response:
    """JSON for the board's script; for a plain form, back to where it came from (the board
    again with deals' message when refused)."""
    target = safe_next(str(form.get("next", "") or "/board"))
    if _wants_json(request):
        if error is None:
            return JSONResponse({"ok": True, "message": notice})
        status = 404 if isinstance(error, NotFound) else 409
        return JSONResponse({"ok": False, "message": say(request, error)}, status_code=status)
    if error is None:
        separator = "&" if "?" in target else "?"
        return redirect(f"{target}{separator}{urlencode({'notice': notice})}")
    if isinstance(error, NotFound):
        raise error
    line_id = str(form.get("sales_line_id", ""))
    if line_id:
        board = pipeline.board(console_of(request).deps, require(request), sales_line_id=line_id)
        context = _context(request, board, problem=say(request, error))
        return render(request, "board/board.html", context, status=409)
    deal_page = f"/deals/{request.path_params['deal_id']}"
    return redirect(f"{deal_page}?{urlencode({'problem': say(request, error)})}")


def _decide(
    request: Request, form: Form, notice: str, decision: Callable[..., object], /, **fields: object
) -> Response:
    """One of deals' decisions on the path's deal, answered by :func:`_answer`."""
    session = require(request)
    try:
        decision(
            console_of(request).deps, session, deal_id=request.path_params["deal_id"], **fields
        )
    except ConsoleError as error:
        return _answer(request, form, error, "")
    return _answer(request, form, None, notice)


@posted
def move(request: Request, form: Form) -> Response:
    return _decide(
        request,
        form,
        "moved",
        pipeline.move,
        stage_key=str(form.get("stage_key", "")),
        version=int(str(form.get("version", "0") or "0")),
    )


@posted
def close_won(request: Request, form: Form) -> Response:
    fields = texts(form, "currency", revenue="actual_revenue", day="actual_close_date")
    return _decide(request, form, "won", pipeline.close_won, **fields)


@posted
def close_lost(request: Request, form: Form) -> Response:
    fields = texts(form, "reason", "competitor", "note")
    return _decide(request, form, "lost", pipeline.close_lost, **fields)


@posted
def reopen(request: Request, form: Form) -> Response:
    return _decide(request, form, "reopened", pipeline.reopen, **texts(form, "reason"))


ROUTES = [
    Route("/board", lines, methods=["GET"]),
    Route("/board/{line_id:str}", board_page, methods=["GET"]),
    Route("/deals/{deal_id:str}/move", move, methods=["POST"]),
    Route("/deals/{deal_id:str}/won", close_won, methods=["POST"]),
    Route("/deals/{deal_id:str}/lost", close_lost, methods=["POST"]),
    Route("/deals/{deal_id:str}/reopen", reopen, methods=["POST"]),
]
