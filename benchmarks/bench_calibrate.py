"""The default calibration, timed, and checked against the shipped posterior.

Runs `accessrace experiment=calibrate` on its defaults into a fresh temporary directory
(nothing resumed), prints its wall time against the target (<= 30 minutes on 2 cores),
then compares the new posterior with the shipped one (data/calibration/posterior): each
calibrated parameter's mean must agree within Monte Carlo error (k = 4 standard errors of
the difference, docs/ODD.md §6.3), since pyabc's proposals are seeded by the operating
system and a calibration is reproducible only to that.

    .venv/bin/python benchmarks/bench_calibrate.py [--budget 1.0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.calibration.fit import CALIBRATED
from sim.calibration.posterior import Posterior, within_mc_error
from sim.calibration.worlds import SHIPPED, load_posterior

TARGET_MINUTES = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="calibrate.budget")
    parser.add_argument("--keep", type=Path, default=None, help="calibrate into DIR and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_calibrate_"))
    exe = Path(sys.executable).with_name("accessrace")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "experiment=calibrate", f"calibrate.budget={args.budget}"],
        cwd=work,
        text=True,
        capture_output=True,
    )
    minutes = (time.perf_counter() - started) / 60
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit(f"calibration failed (exit {proc.returncode})")
    print(proc.stdout)
    verdict = "within" if minutes <= TARGET_MINUTES else "OVER"
    print(f"calibration: {minutes:.1f} min ({verdict} the {TARGET_MINUTES:.0f}-minute target)")
    new = Posterior.load(work / "sweeps" / "calibrate" / "posterior", list(CALIBRATED))
    shipped = load_posterior(SHIPPED)
    agree = within_mc_error(new, shipped)
    mean_new, mean_old = new.mean(), shipped.mean()
    for name in CALIBRATED:
        mark = "agrees" if agree[name] else "DIFFERS"
        print(f"  {name:32} new {mean_new[name]:9.4g}  shipped {mean_old[name]:9.4g}  {mark}")
    print(f"{sum(agree.values())}/{len(agree)} parameters agree within Monte Carlo error (k=4)")


if __name__ == "__main__":
    main()
