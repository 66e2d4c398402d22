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


def test_a_rerun_keeps_the_text_written_after_its_own_section():
    def result(value):
        return {"title": "floor", "rows": [("p50", value, "µs", "")], "notes": "Command: x."}

    first = run._render([("bench.grpc_floor", result(1), "")])
    noted = first.rstrip("\n") + "\n\nHand-written: before 9 µs, after 1 µs.\n"

    again = run._render([("bench.grpc_floor", result(2), "")], noted)

    assert "| p50 | 2 | µs |  |" in again and "| p50 | 1 |" not in again
    assert again.count("Hand-written: before 9 µs, after 1 µs.") == 1
    assert again.count("Command: x.") == 1
    assert again.index("Command: x.") < again.index("Hand-written")


def test_a_section_written_before_the_end_marker_keeps_its_text_after_the_notes():
    old = "\n".join(
        [
            "<!-- bench: bench.grpc_floor -->",
            "## floor",
            "",
            "`bench.grpc_floor`, measured 2026-01-01 00:00 UTC.",
            "",
            "| measure | value | unit | note |",
            "|---|---:|---|---|",
            "| p50 | 1 | µs |  |",
            "",
            "Command: x.",
            "",
            "Hand-written note.",
            "",
            "| a hand-written | table |",
            "",
            "Its text.",
            "",
        ]
    )
    again = run._render(
        [("bench.grpc_floor", {"title": "floor", "rows": [("p50", 2, "µs", "")]}, "")], old
    )
    assert "Hand-written note." in again and "Command: x." not in again
    assert again.index("| p50 | 2 |") < again.index("Hand-written note.") < again.index("Its text.")


def test_every_benchmark_module_imports():
    """A bench that no longer imports fails `make bench` only when it runs; this finds it in CI."""
    import importlib

    for module in run.BENCHMARKS:
        importlib.import_module(module)
