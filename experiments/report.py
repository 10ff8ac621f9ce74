"""Turn a sweep directory into a self-contained HTML report (works offline).

accessrace-report sweeps/flagship [--out report.html] [--seed 0]
python -m experiments.report sweeps/flagship
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sim.experiment.status import sweep_status
from sim.experiment.store import MANIFEST


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="accessrace-report", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="a sweep directory (with manifest.json)")
    parser.add_argument(
        "--out",
        type=Path,
        help="the HTML file to write, in an existing folder (default: SWEEP_DIR/report.html); "
        "its figures go in a folder beside it named after it",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if not (args.sweep_dir / MANIFEST).exists():
        print(
            f"accessrace-report: error: {args.sweep_dir} is not a sweep directory (no {MANIFEST})",
            file=sys.stderr,
        )
        return 2
    problem = out_problem(args.out, args.sweep_dir)
    if problem:
        print(f"accessrace-report: error: --out {args.out}: {problem}", file=sys.stderr)
        return 2
    from sim.report.build import build_report

    status = sweep_status(args.sweep_dir)
    for message in status.messages():
        print(f"accessrace-report: partial sweep: {message}", file=sys.stderr)
    try:
        path = build_report(args.sweep_dir, args.out, seed=args.seed, n_jobs=-1)
    except (KeyError, ValueError) as err:
        print(f"accessrace-report: error: {err.args[0]}", file=sys.stderr)
        return 2
    except OSError as err:
        hint = "" if args.out else "; write it elsewhere with --out FILE.html"
        print(
            f"accessrace-report: error: could not write the report ({err.strerror or err}: "
            f"{err.filename or args.out}){hint}",
            file=sys.stderr,
        )
        return 2
    print(path)
    return 0


GENERATOR = b'<meta name="generator" content="accessrace">'
"""The mark every report page carries in its head (sim/report/templates/page.html.j2)."""


def out_problem(out: Path | None, sweep_dir: Path) -> str | None:
    """Why `--out` cannot be written, in a few words, or None. Reading a sweep never writes
    into it (its runs, manifest or anything among them; links followed) except its own
    report.html, and never overwrites a file that is not a report this command wrote."""
    if out is None:
        return None
    target, sweep = out.resolve(), sweep_dir.resolve()
    if target.is_relative_to(sweep) and target != sweep / "report.html":
        return (
            f"is inside the sweep directory {sweep_dir}, whose files a report never writes; "
            f"give a file outside it (the sweep's own page is {sweep_dir / 'report.html'}, "
            "the default)"
        )
    if out.is_dir():
        return f"is a folder; give a file in it, e.g. --out {out / 'report.html'}"
    if not out.parent.is_dir():
        return f"the folder {out.parent} does not exist; create it first"
    if out.exists() and not _is_report(out):
        return "exists and is not a report this command wrote; give a new file, or remove it"
    return None


def _is_report(path: Path) -> bool:
    """Whether `path` is a page this command wrote (its head carries `GENERATOR`)."""
    try:
        with path.open("rb") as page:
            return GENERATOR in page.read(4096)
    except OSError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
