"""The hand-computed fixture of the KPI tests: team t1's deals around the first quarter of 2026
(pipeline p1: qualify 5 days -> propose 10 days -> negotiate), every figure worked out in
test_kpis.py's comments.

| deal | created      | path                                              | value       |
|------|--------------|---------------------------------------------------|-------------|
| d1   | 01-05 alice  | propose 01-10, negotiate 01-20, won 02-04         | 1200 EUR (actual) |
| d2   | 01-10 bob    | propose 01-15, lost 02-14 price / Rival           | 500 EUR     |
| d3   | 02-01 alice  | won 03-03 at qualify                              | 2000 EUR    |
| d4   | 02-10 alice  | propose 02-20, open, closes 2026-03-15            | 1000 EUR    |
| d5   | 03-01 bob    | open at qualify, closes 2026-04-10                | 400 EUR     |
| d6   | 2025-12-01   | lost 2025-12-20 timing                            | 700 EUR     |
| d7   | 2025-11-01   | lost 2025-11-15 price                             | 100 EUR     |
| d8   | 01-03 bob    | won 01-13 at qualify                              | 300 USD     |

All at 12:00 UTC; "now" is 2026-04-15 12:00 UTC.
"""

from __future__ import annotations

from reporting_events import Deal, at, org, pipeline, targets


def fixture_events() -> list:
    d1, d2, d3 = (
        Deal("d1", amount="1000.00"),
        Deal("d2", owner="bob", amount="500.00"),
        Deal("d3", amount="2000.00"),
    )
    d4 = Deal("d4", amount="1000.00", close_date="2026-03-15")
    d5 = Deal("d5", owner="bob", amount="400.00", close_date="2026-04-10")
    d6, d7 = Deal("d6", amount="700.00"), Deal("d7", amount="100.00")
    d8 = Deal("d8", owner="bob", currency="USD", amount="300.00")
    return [
        *org(),
        pipeline(),
        targets("line-1", "2026-Q1", 1, ("t1", "5000.00", "EUR", 4), ("t2", "1000.00", "EUR", 1)),
        d1.created(at("2026-01-05")),
        d1.moved("propose", at("2026-01-10")),
        d1.moved("negotiate", at("2026-01-20")),
        d1.won(at("2026-02-04"), actual="1200.00"),
        d2.created(at("2026-01-10")),
        d2.moved("propose", at("2026-01-15")),
        d2.lost(at("2026-02-14"), reason="price", competitor="Rival"),
        d3.created(at("2026-02-01")),
        d3.won(at("2026-03-03")),
        d4.created(at("2026-02-10")),
        d4.moved("propose", at("2026-02-20")),
        d5.created(at("2026-03-01")),
        d6.created(at("2025-12-01")),
        d6.lost(at("2025-12-20"), reason="timing"),
        d7.created(at("2025-11-01")),
        d7.lost(at("2025-11-15"), reason="price"),
        d8.created(at("2026-01-03")),
        d8.won(at("2026-01-13")),
    ]
