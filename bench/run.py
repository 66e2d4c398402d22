"""`make bench`: runs every benchmark, prints the figures and writes them to docs/benchmarks.md.

Each benchmark module has ``run() -> dict`` returning ``{"title": str, "rows": [(name, value, unit,
note)], "checks": [(target description, passed: bool)]}``. The raw floors (a bare grpcio echo, a
raw pika publish with pipelined confirms) are measured in the same run as the platform figures, so
the ratios compare like with like on whatever machine runs them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
import traceback
from pathlib import Path

# The floors first (every ratio is against them), then every other ``bench/*_bench.py`` by name:
# a service adds its benchmark by adding the module, not by editing a list here.
FLOORS = ["bench.grpc_floor", "bench.relay_bench"]


def _discover() -> list[str]:
    here = Path(__file__).resolve().parent
    found = sorted(f"bench.{path.stem}" for path in here.glob("*_bench.py"))
    return FLOORS + [name for name in found if name not in FLOORS]


BENCHMARKS = _discover()
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )


def _normalise(module: str, result: dict) -> dict:
    """Accept either the runner's shape or a plain nested dict of figures (flattened to rows)."""
    if "rows" in result:
        return result
    rows = []

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix} {key}".strip(), inner)
        else:
            unit = "µs" if prefix.endswith("_us") else "/s" if prefix.endswith("per_s") else ""
            rows.append((prefix, value, unit, ""))

    walk("", {k: v for k, v in result.items() if k not in ("title", "checks", "notes")})
    return {
        "title": result.get("title", module),
        "rows": rows,
        "checks": result.get("checks", []),
        "notes": result.get("notes", ""),
    }


_SECTION = "<!-- bench: {module} -->"
# Closes what a run writes: hand-written text after it (a note comparing runs, a before/after
# table) belongs to the section but no run produces it, so a re-run keeps it.
_SECTION_END = "<!-- end of bench: {module} -->"


def _section(module: str, result: dict | None, error: str) -> str:
    """One benchmark's section, opened by a marker so a partial run replaces only its own."""
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    out = [_SECTION.format(module=module)]
    if result is None:
        out += [f"## {module}", "", f"FAILED ({when}): `{error}`", ""]
        return "\n".join(out + [_SECTION_END.format(module=module), ""])
    out += [
        f"## {result['title']}",
        "",
        f"`{module}`, measured {when}.",
        "",
        "| measure | value | unit | note |",
        "|---|---:|---|---|",
    ]
    out += [f"| {n} | {v} | {u} | {note} |" for n, v, u, note in result["rows"]]
    if result.get("checks"):
        out += ["", "| target | met |", "|---|---|"]
        out += [f"| {target} | {'yes' if ok else '**no**'} |" for target, ok in result["checks"]]
    if result.get("notes"):
        out += ["", result["notes"]]
    out += ["", _SECTION_END.format(module=module), ""]
    return "\n".join(out)


def _sections_of(text: str) -> dict[str, str]:
    sections, current, lines = {}, None, []
    for line in text.splitlines():
        if line.startswith("<!-- bench: ") and line.endswith(" -->"):
            if current:
                sections[current] = "\n".join(lines)
            current, lines = line[len("<!-- bench: ") : -len(" -->")], [line]
        elif current:
            lines.append(line)
    if current:
        sections[current] = "\n".join(lines)
    return sections


def _written_tail(module: str, section: str) -> str:
    """The hand-written text after the part a run wrote: after the end marker, or, in a section
    written before the marker existed, after the first paragraph that follows its last table (the
    run's notes)."""
    lines = section.splitlines()
    end = _SECTION_END.format(module=module)
    if end in lines:
        return "\n".join(lines[lines.index(end) + 1 :]).strip()
    at = next(
        (i + 1 for i, line in enumerate(lines) if line.startswith(f"`{module}`, measured")), 0
    )
    if not at:
        return ""
    while at < len(lines):  # the run's tables, then its notes' paragraph
        while at < len(lines) and not lines[at].strip():
            at += 1
        table = at < len(lines) and lines[at].startswith("|")
        while at < len(lines) and lines[at].strip():
            at += 1
        if not table:
            break
    return "\n".join(lines[at:]).strip()


def _hand_written(text: str) -> str:
    """The written part between the generated head and the first benchmark's section (comparisons
    across runs, which no single run can produce): kept as it is."""
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("Produced by ")), None)
    if start is None:
        return ""
    end = next((i for i, line in enumerate(lines) if line.startswith("<!-- bench: ")), len(lines))
    return "\n".join(lines[start:end]).strip()


def _render(results: list[tuple[str, dict | None, str]], previous: str = "") -> str:
    """docs/benchmarks.md: every benchmark's latest section, in BENCHMARKS order; a run of some
    benchmarks replaces their sections and keeps the others' (each section says when) and the
    written part above them."""
    sections = _sections_of(previous)
    written = _hand_written(previous)
    for module, result, error in results:
        tail = _written_tail(module, sections.get(module, ""))
        sections[module] = _section(module, result, error) + (f"\n{tail}\n" if tail else "")
    order = BENCHMARKS + sorted(set(sections) - set(BENCHMARKS))
    head = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` (`.venv/bin/python -m bench.run [name ...]` re-runs some and "
        "replaces only what a run wrote of their sections; text written after a section stays), "
        f"{_machine()}. PostgreSQL and RabbitMQ local. Each section is one run, dated; rerun to "
        "compare. A target marked **no** is not met.",
        "",
    ]
    if written:
        head += [written, ""]
    return "\n".join(head + [sections[m].rstrip() + "\n" for m in order if m in sections])


def main(argv: list[str]) -> int:
    selected = [m for m in BENCHMARKS if not argv or any(a in m for a in argv)]
    results = []
    for module in selected:
        print(f"== {module}", flush=True)
        try:
            result = _normalise(module, importlib.import_module(module).run())
            for name, value, unit, note in result["rows"]:
                print(f"  {name:<55} {value:>12} {unit:<8} {note}")
            for target, ok in result.get("checks", []):
                print(f"  target: {target}: {'met' if ok else 'NOT MET'}")
            results.append((module, result, ""))
        except Exception as exc:  # noqa: BLE001 - a broken benchmark is reported, the others still run
            traceback.print_exc()
            results.append((module, None, f"{type(exc).__name__}: {exc}"))
    DOC.write_text(_render(results, DOC.read_text() if DOC.exists() else ""))
    print(f"wrote {DOC}")
    missed = [t for _, r, _ in results if r for t, ok in r.get("checks", []) if not ok]
    failed = [m for m, r, _ in results if r is None]
    if missed:
        print("targets not met: " + "; ".join(missed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
