"""Print the command of one marked code block of the README, so CI runs exactly what users read.

The README marks each command users are told to run with an HTML comment on the line before its
fenced block: ``<!-- main-command -->`` (set up and run the main job) and ``<!-- test-command -->``
(run the tests). Usage: ``python .ci/readme_command.py main-command [README.md]``. Exits 1 with a
one-line message when the marker is missing, repeated, or not followed by a ```bash block.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

_BLOCK = r"<!--\s*{marker}\s*-->\s*\n```(?:bash|sh|shell)\n(.*?)\n```"


def readme_command(marker: str, readme: str | Path = Path(__file__).resolve().parents[1] / "README.md") -> str:
    """The shell command in the fenced block after ``<!-- marker -->`` in ``readme``."""
    text = Path(readme).read_text(encoding="utf-8")
    found = re.findall(_BLOCK.format(marker=re.escape(marker)), text, flags=re.S)
    if len(found) != 1:
        raise SystemExit(
            f"{readme}: expected one ```bash block right after <!-- {marker} -->, found {len(found)}. "
            "Mark the README's command with that comment."
        )
    lines = [ln for ln in found[0].splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise SystemExit(f"{readme}: the block after <!-- {marker} --> holds no command.")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: python .ci/readme_command.py MARKER [README.md]")
    print(readme_command(*sys.argv[1:]))
