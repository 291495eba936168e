"""``python -m tests.soak``: run the soak and the fuzz run, print the figures, fail on a defect.

By default both runs go side by side in two child processes (one core each) and the parent
prints one table; ``--only`` runs one of them here. Exit status 1 when any defect was counted.

    python -m tests.soak --seed 7                      # full size: 10,000 operations, 20,000 bodies
    python -m tests.soak --operations 1000 --bodies 2000
    python -m tests.soak --seed 7 --case 1234          # replay one fuzz case, showing each answer
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time

from tests.soak.figures import Figures, render_table
from tests.soak.fuzz import FuzzSettings, run_fuzz
from tests.soak.operations import SoakSettings, run_soak


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed (printed)")
    parser.add_argument("--operations", type=int, default=10_000, help="soak operations")
    parser.add_argument("--bodies", type=int, default=20_000, help="hostile bodies to serve")
    parser.add_argument("--workers", type=int, default=None, help="operations in flight")
    parser.add_argument("--only", choices=["soak", "fuzz"], help="run one of them here")
    parser.add_argument("--case", type=int, help="replay one fuzz case verbosely")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _run(args: argparse.Namespace, seed: int) -> Figures:
    if args.only == "soak":
        soak = SoakSettings(seed=seed, operations=args.operations)
        if args.workers:
            soak = SoakSettings(seed=seed, operations=args.operations, workers=args.workers)
        return await run_soak(soak, _progress)
    fuzz = FuzzSettings(seed=seed, bodies=args.bodies)
    if args.workers:
        fuzz = FuzzSettings(seed=seed, bodies=args.bodies, workers=args.workers)
    return await run_fuzz(fuzz, _progress, only=args.case)


def _children(args: argparse.Namespace, seed: int) -> list[Figures]:
    """Both runs in child processes at once; their figures, in order (soak, fuzz)."""
    common = ["--seed", str(seed), "--json"]
    if args.workers:
        common += ["--workers", str(args.workers)]
    commands = [
        ["--only", "soak", "--operations", str(args.operations), *common],
        ["--only", "fuzz", "--bodies", str(args.bodies), *common],
    ]
    children = [
        subprocess.Popen([sys.executable, "-m", "tests.soak", *command], stdout=subprocess.PIPE)
        for command in commands
    ]
    figures = []
    for command, child in zip(commands, children, strict=True):
        out, _ = child.communicate()
        figures.append(figures_of(command[1], child.returncode, out))
    return figures


def figures_of(run: str, exit_code: int, out: bytes) -> Figures:
    """The figures a child run printed; a clear SystemExit when it printed none (a crash
    exits 1, as a run that found defects does, but leaves a traceback, not figures)."""
    try:
        printed = json.loads(out) if exit_code in (0, 1) else None
    except ValueError:
        printed = None
    if not isinstance(printed, dict):
        raise SystemExit(
            f"the {run} run failed (exit {exit_code}) without printing its figures; "
            "its error is above"
        )
    return Figures.from_json(printed)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 10**6)
    started = time.monotonic()
    if args.case is not None:
        args.only = "fuzz"
    if args.only is None:
        again = f"python -m tests.soak --seed {seed}"
        if (args.operations, args.bodies) != (10_000, 20_000):
            again += f" --operations {args.operations} --bodies {args.bodies}"
        print(f"soak and fuzz, seed {seed} (reproduce: {again})", flush=True)
        runs = _children(args, seed)
    else:
        runs = [asyncio.run(_run(args, seed))]
    defects = sum(run.total_defects for run in runs)
    if args.json:
        print(json.dumps(runs[0].to_json()))
    else:
        print(render_table(runs, seed, time.monotonic() - started))
        print(f"{'FAIL' if defects else 'OK'}: {defects} defect(s); seed {seed}")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
