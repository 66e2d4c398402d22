"""What the console needs from the services, as the adapters offer it (gRPC in production,
fakes in unit tests). Every call that reads or changes business data takes the signed-in
person's access token: the services apply their own visibility rules to it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import Activity, HistoryEntry, Lead, Page
from crm_console.domain.session import Person, Tokens


class IdentityPort(Protocol):
    def login(self, email: str, password: str, client_address: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def logout(self, refresh_token: str) -> None: ...

    def who_am_i(self, access_token: str) -> Person: ...


class LeadsPort(Protocol):
    def search(self, token: str, query: LeadQuery) -> Page: ...

    def get(self, token: str, lead_id: str) -> Lead: ...

    def history(self, token: str, lead_id: str) -> tuple[HistoryEntry, ...]: ...

    def activities(self, token: str, lead_id: str) -> tuple[Activity, ...]: ...

    def create(self, token: str, idempotency_key: str, values: Mapping[str, str]) -> Lead: ...

    def transition(
        self, token: str, lead_id: str, action: str, *, note: str = "", reason: str = ""
    ) -> Lead: ...

    def convert(self, token: str, lead_id: str, *, opportunity_name: str = "") -> Lead: ...

    def merge(self, token: str, survivor_id: str, duplicate_id: str) -> Lead: ...

    def import_rows(
        self,
        token: str,
        import_id: str,
        columns: list[str],
        rows: Iterable[Mapping[str, str]],
        progress: Callable[[int, int, int], None],
    ) -> Iterator[tuple[int, str, str]]: ...
