"""make bench rewrites docs/benchmarks.md: each benchmark's section is replaced, and the written
comparison above the sections (which no single run produces) is kept."""

from bench import run


def test_a_run_keeps_the_written_part_and_the_other_sections():
    previous = run._render(
        [("bench.grpc_floor", {"title": "floor", "rows": [("p50", 1, "µs", "")]}, "")]
    )
    lines = previous.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("<!-- bench: "))
    previous = "\n".join(lines[:at] + ["## Before and after", "", "| a | b |", ""] + lines[at:])

    again = run._render(
        [("bench.catalog_bench", {"title": "catalog", "rows": [("p50", 2, "µs", "")]}, "")],
        previous,
    )

    assert "## Before and after\n\n| a | b |" in again
    assert again.index("## Before and after") < again.index("<!-- bench: ")
    assert "<!-- bench: bench.grpc_floor -->" in again
    assert "<!-- bench: bench.catalog_bench -->" in again
    assert (
        run._render(
            [("bench.catalog_bench", {"title": "catalog", "rows": [("p50", 3, "µs", "")]}, "")],
            again,
        ).count("## Before and after")
        == 1
    )
