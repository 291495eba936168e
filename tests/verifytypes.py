"""``pyright --verifytypes mdmkit --ignoreexternal``, failing below a minimum score.

Run by ``make typecheck`` (and so ``make test``): prints the score, and when it is too low
the symbols whose types a checker would have to guess. pyright runs from the virtual
environment this script runs in, with that environment first on PATH so it finds mdmkit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minimum", type=float, default=98.0, help="lowest score, in percent")
    parser.add_argument("--package", default="mdmkit")
    arguments = parser.parse_args()
    binary = Path(sys.executable).parent
    done = subprocess.run(
        [str(binary / "pyright"), "--verifytypes", arguments.package, "--ignoreexternal",
         "--outputjson"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{binary}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )  # fmt: skip
    try:
        report = json.loads(done.stdout)
        completeness = report["typeCompleteness"]
    except (ValueError, KeyError):
        print(f"pyright --verifytypes gave no report:\n{done.stdout}\n{done.stderr}")
        return 1
    score = 100.0 * completeness["completenessScore"]
    print(f"pyright --verifytypes {arguments.package}: {score:.1f}% "
          f"(at least {arguments.minimum:g}% wanted)")  # fmt: skip
    if score >= arguments.minimum:
        return 0
    for symbol in completeness["symbols"]:
        if not symbol["isTypeKnown"] or symbol.get("isTypeAmbiguous"):
            print(f"  {symbol['name']}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
