"""Re-run the commands shown in README.md and paste their real output under them.

A block in README.md looks like this; everything between the markers is replaced:

    <!-- run: tonecls classify "..." -->
    ```
    (output)
    ```
    <!-- end -->

Usage: python scripts/update_readme.py [README.md]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- run: (?P<cmd>.+?) -->\n)(?P<body>.*?)(<!-- end -->)", re.S)


def run(cmd: str) -> str:
    done = subprocess.run(cmd, shell=True, cwd=ROOT, capture_output=True, text=True)
    out = (done.stdout + done.stderr).rstrip("\n")
    if done.returncode not in (0, 1):
        raise SystemExit(f"`{cmd}` exited {done.returncode}:\n{out}")
    return out


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md"
    text = path.read_text(encoding="utf-8")

    def replace(m: re.Match) -> str:
        cmd = m.group("cmd")
        print(f"running: {cmd}", file=sys.stderr)
        return f"{m.group(1)}```\n$ {cmd}\n{run(cmd)}\n```\n{m.group(4)}"

    path.write_text(BLOCK.sub(replace, text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
