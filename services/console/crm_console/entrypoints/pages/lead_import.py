"""Importing leads from a CSV file: the rows stream to leads' ImportLeads while the page shows a
progress bar (htmx polls the import's state) and, at the end, the report of each refused row.

An import in flight is followed in this process's memory (a transient progress, not business
data: the leads themselves are leads'); the Ingress example keeps a person on one replica
(cookie affinity), and a finished import's report is kept for ``KEEP_SECONDS``.
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
import time
from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import T_, ConsoleError, NotFound
from crm_console.entrypoints import i18n
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    language_of,
    posted,
    redirect,
    render,
    require,
    say,
)
from crm_console.service_layer import leads

MAX_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 3600.0


@dataclass
class ImportJob:
    owner_user_id: str
    total: int
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    done: bool = False
    failure: str = ""
    finished_at: float = 0.0

    @property
    def percent(self) -> int:
        return 100 if self.done else int(self.read * 100 / self.total) if self.total else 0


class ImportJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def add(self, job_id: str, job: ImportJob) -> None:
        with self._lock:
            now = time.monotonic()
            for key in [
                k for k, j in self._jobs.items() if j.done and now - j.finished_at > KEEP_SECONDS
            ]:
                del self._jobs[key]
            self._jobs[job_id] = job

    def get(self, job_id: str, user_id: str) -> ImportJob:
        """Someone else's import is not found, like one that never was."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner_user_id != user_id:
            raise NotFound(f"import {job_id} not found")
        return job


JOBS = ImportJobs()


def import_form(request: Request) -> Response:
    require(request)
    return render(request, "leads/import.html", {})


def _rows(upload: UploadFile) -> tuple[list[str], list[dict[str, str]]]:
    raw = upload.file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ConsoleError(T_("the file is larger than 20 MB; split it"))
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConsoleError(T_("the file is not UTF-8 text; save it as CSV UTF-8")) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c for c in (reader.fieldnames or []) if c]
    if not columns:
        raise ConsoleError(T_("the file has no header line naming its columns"))
    rows = [{k: v or "" for k, v in row.items() if k} for row in reader]
    if not rows:
        raise ConsoleError(T_("the file has a header but no rows"))
    return columns, rows


@posted
def start_import(request: Request, form: Form) -> Response:
    session = require(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return render(
            request,
            "leads/import.html",
            {"problem": language_of(request).gettext("choose a CSV file")},
            status=422,
        )
    try:
        columns, rows = _rows(upload)
    except ConsoleError as error:
        return render(request, "leads/import.html", {"problem": say(request, error)}, status=422)
    deps = console_of(request).deps
    job_id = deps.ids.new_id()
    language = language_of(request)  # the request's language, for the import thread's message
    job = ImportJob(owner_user_id=session.person.user_id, total=len(rows))
    JOBS.add(job_id, job)

    def progress(read: int, accepted: int, rejected: int) -> None:
        job.read, job.accepted, job.rejected = read, accepted, rejected

    def run() -> None:
        try:
            for problem in leads.import_csv(
                deps, session, columns=columns, rows=rows, progress=progress
            ):
                job.problems.append(problem)
        except ConsoleError as error:
            job.failure = i18n.say(error, language)
        finally:
            job.done, job.finished_at = True, time.monotonic()

    threading.Thread(target=run, name=f"import-{job_id}", daemon=True).start()
    return redirect(f"/leads/import/{job_id}")


def import_page(request: Request) -> Response:
    session = require(request)
    job_id = request.path_params["job_id"]
    job = JOBS.get(job_id, session.person.user_id)
    context = {"job": job, "job_id": job_id}
    if request.headers.get("hx-request"):
        return render(request, "leads/_import_progress.html", context)
    return render(request, "leads/import_progress.html", context)


ROUTES = [
    Route("/leads/import", import_form, methods=["GET"]),
    Route("/leads/import", start_import, methods=["POST"]),
    Route("/leads/import/{job_id:str}", import_page, methods=["GET"]),
]
