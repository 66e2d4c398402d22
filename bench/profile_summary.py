"""Summarise the collapsed stacks ``BENCH_PROFILE`` writes (py-spy raw format): the share of
samples each function appears in (inclusive) and is on top of (self).

    .venv/bin/python -m bench.profile_summary FOLDER/name.txt [rows]
"""

from __future__ import annotations

import collections
import re
import sys

_LINE = re.compile(r":\d+\)$")


def summarise(path: str, rows: int = 60) -> str:
    inclusive, own, total = collections.Counter(), collections.Counter(), 0
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += n
            own[frames[-1]] += n
    out = [f"{total} samples", "== inclusive"]
    out += [f"{100 * v / total:5.1f}% {k[:150]}" for k, v in inclusive.most_common(rows)]
    out += ["== self"]
    out += [f"{100 * v / total:5.1f}% {k[:150]}" for k, v in own.most_common(rows // 2)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60))
