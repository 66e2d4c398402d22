#!/usr/bin/env python3
"""The platform's own checks of its Dockerfiles (``make lint`` runs hadolint first, then this).

    python deploy/docker/lint.py            # every Dockerfile: exit 1 and one line a problem

What hadolint cannot know about this repository:

- every image from outside is pinned by digest: ``FROM name:tag@sha256:<64 hex>``, or
  ``FROM name:tag@${ARG}`` whose ARG is declared before the first FROM without a default, so a
  build without the digest fails (deploy/docker/base.Dockerfile: ``PYTHON_DIGEST``). Stages of
  the same file and the platform's own base image (``${BASE}``, an ARG defaulting to
  ``crm/base:<tag>``) are not outside images;
- a service's Dockerfile builds one image per process kind of its service.toml: a stage named
  after each kind, the ``api`` stage last (a build without ``--target`` makes the api image; a
  web application without an api: its ``web`` stage), each with its CMD; only that last stage
  has a HEALTHCHECK (the gRPC health probe means nothing to a worker or a relay); the process
  runs as a numeric, non-root USER.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
ARG_DIGEST = re.compile(r"@\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
OWN_BASE = re.compile(r"^crm/base(:[\w.-]+)?$")


@dataclass
class Stage:
    name: str
    image: str
    line: int
    instructions: list[tuple[str, str, int]] = field(default_factory=list)

    def has(self, keyword: str) -> bool:
        return any(k == keyword for k, _, _ in self.instructions)


def instructions(text: str) -> list[tuple[str, str, int]]:
    """(KEYWORD, arguments, line number) of each instruction, continuations joined."""
    found, pending, start = [], "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, rest = pending.partition(" ")
        found.append((keyword.upper(), rest.strip(), start))
        pending = ""
    return found


def parse(text: str) -> tuple[dict[str, str | None], list[Stage]]:
    """The ARGs declared before the first FROM (name -> default or None) and the stages."""
    args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for keyword, rest, number in instructions(text):
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(name=name, image=words[0], line=number))
        elif not stages:
            if keyword == "ARG":
                key, _, default = rest.partition("=")
                args[key.strip()] = default.strip() or None
        else:
            stages[-1].instructions.append((keyword, rest, number))
    return args, stages


def image_problems(path: Path, args: dict[str, str | None], stages: list[Stage]) -> list[str]:
    problems, earlier = [], set()
    for stage in stages:
        image = stage.image
        variable = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", image)
        if image in earlier:
            pass  # a stage of this file
        elif variable and OWN_BASE.match(args.get(variable.group(1)) or ""):
            pass  # the platform's own base image (deploy/docker/base.Dockerfile)
        elif DIGEST.search(image):
            pass
        elif (match := ARG_DIGEST.search(image)) is not None:
            if match.group(1) not in args:
                problems.append(
                    f"{path}:{stage.line}: {image}: the digest's ARG {match.group(1)} is not "
                    "declared before the first FROM"
                )
            elif args[match.group(1)] is not None:
                problems.append(
                    f"{path}:{stage.line}: {image}: ARG {match.group(1)} has a default; a "
                    "digest that can be left out must have none (the build must ask for it)"
                )
        else:
            problems.append(
                f"{path}:{stage.line}: FROM {image} is not pinned by digest "
                "(name:tag@sha256:<digest>, or @${ARG} with a required ARG)"
            )
        if stage.name:
            earlier.add(stage.name)
    return problems


def service_problems(path: Path, stages: list[Stage], kinds: list[str]) -> list[str]:
    problems = []
    by_name = {stage.name: stage for stage in stages}
    # The image a build without --target makes: the api's, or a web application's own.
    serving = "api" if "api" in kinds or "web" not in kinds else "web"
    if not stages or stages[-1].name != serving:
        problems.append(f"{path}: the last stage must be `{serving}` (a build without --target)")
    for kind in kinds:
        stage = by_name.get(kind)
        if stage is None:
            problems.append(f"{path}: no stage `{kind}` (service.toml declares a {kind})")
        elif not stage.has("CMD"):
            problems.append(f"{path}:{stage.line}: stage `{kind}` has no CMD")
    for stage in stages:
        if stage.has("HEALTHCHECK") and stage.name != serving:
            problems.append(
                f"{path}:{stage.line}: stage `{stage.name or stage.image}` has a HEALTHCHECK; "
                f"only the {serving}'s image probes its health (stages built on it inherit it)"
            )
    if serving in by_name and not by_name[serving].has("HEALTHCHECK"):
        problems.append(f"{path}: the {serving} stage has no HEALTHCHECK")
    users = [rest for stage in stages for k, rest, _ in stage.instructions if k == "USER"]
    if not users or not users[-1].isdigit() or users[-1] == "0":
        problems.append(f"{path}: the processes must run as a numeric non-root USER")
    return problems


def check(path: Path, kinds: list[str] | None = None) -> list[str]:
    """Problems of one Dockerfile; ``kinds``: the service's process kinds (None: not a
    service's Dockerfile)."""
    args, stages = parse(path.read_text())
    problems = image_problems(path, args, stages)
    if kinds is not None:
        problems += service_problems(path, stages, kinds)
    return problems


def main() -> int:
    sys.path.insert(0, str(ROOT / "libs" / "chassis"))
    from crm_chassis.manifest import discover

    problems = check(ROOT / "deploy" / "docker" / "base.Dockerfile")
    for manifest in discover():
        dockerfile = ROOT / "services" / manifest.name / "Dockerfile"
        problems += check(dockerfile, [k for k in manifest.processes if k != "migrate"])
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
