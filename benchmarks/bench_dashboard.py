"""Time to advance and redraw one month of the dashboard at the largest size it offers.

Runs the page's own code (sim/dashboard/live.py, figures.py) on 10,000 developers: the step
that advances the run and its twin in lock-step, each view's update, and the SVG the page
shows for it (each view's `image`, the frame encoded again only when it changed). The user
revokes access early, so every view also carries the intervention marker. Target: at most
300 ms a month. It leaves out the transfer to the browser and the browser's drawing. Times
are wall-clock; the CPU time per month is printed too, since the machine may be shared (the
load average is printed with them).

    .venv/bin/python benchmarks/bench_dashboard.py [--developers N] [--months N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sim.dashboard.figures import VIEWS
from sim.dashboard.live import DashboardModel

TARGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--developers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=40)
    args = parser.parse_args()

    started = time.perf_counter()
    model = DashboardModel(n_developers=args.developers, horizon=max(args.months + 5, 60))
    assert model.run is not None, model.error
    views = {name: make(model.run) for name, make in VIEWS.items()}
    print(f"build both runs and the views: {1000 * (time.perf_counter() - started):.0f} ms")

    def month() -> dict[str, float]:
        cpu, t0 = time.process_time(), time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        for view in views.values():
            view.update()
        t2 = time.perf_counter()
        for view in views.values():
            view.image()
        t3 = time.perf_counter()
        return {
            "step": t1 - t0,
            "update": t2 - t1,
            "encode": t3 - t2,
            "total": t3 - t0,
            "cpu": time.process_time() - cpu,
        }

    for _ in range(3):
        month()
    model.run.revoke("incumbent_api", "rival")
    timings = [month() for _ in range(args.months)]

    print(f"{args.developers:,} developers, run + twin, {len(views)} figures, {args.months} months")
    for part in ("step", "update", "encode", "total", "cpu"):
        ms = sorted(1000 * t[part] for t in timings)
        p90 = ms[int(0.9 * (len(ms) - 1))]
        print(
            f"  {part:>6}: median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms"
            f"   max {ms[-1]:6.1f} ms"
        )
    median = statistics.median(1000 * t["total"] for t in timings)
    cpu = statistics.median(1000 * t["cpu"] for t in timings)
    verdict = "met" if median <= TARGET_MS else "MISSED"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"advance + redraw one month: {median:.0f} ms wall, {cpu:.0f} ms CPU "
        f"(target <= {TARGET_MS:.0f} ms: {verdict}; load average {load} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
