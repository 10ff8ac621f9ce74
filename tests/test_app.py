"""The dashboard: its model code (sim/dashboard/live.py), then the page (sim/dashboard/app.py)
in a browser.

The browser test starts the server exactly as the README does, on a free loopback port,
drives the page with Playwright and the system's Chromium, and fails on any console error
or any request to a host other than 127.0.0.1.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from helpers import REPO
from PIL import Image

from sim import Config
from sim.dashboard.figures import FIGSIZE, TICK_PT, VIEWS, Timeline
from sim.dashboard.live import PRESETS, USER_REASON, DashboardModel, preset_data
from sim.model.provider import AccessState

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_COPY = Path("/tmp/dashboard.png")
SERVER_START_TIMEOUT = 45.0


def _capability(model: DashboardModel, which: str, lab: str) -> list[float]:
    assert model.run is not None
    rows = getattr(model.run, which).datacollector.model_vars["capability"]
    return [row[lab] for row in rows]


# --- the model code, without a browser -------------------------------------------------------


def test_presets_compose_as_hydra_does(composer: Callable[..., Config]) -> None:
    assert set(PRESETS) == {p.stem for p in (REPO / "configs" / "scenario").glob("*.yaml")}
    for preset in PRESETS:
        assert Config.from_dict(preset_data(preset)) == composer(f"scenario={preset}"), preset


def test_twin_matches_until_the_intervention_and_differs_after() -> None:
    model = DashboardModel(preset="baseline", n_developers=300)
    assert model.run is not None and not model.error
    for _ in range(3):
        model.step()
    reply = model.run.revoke("incumbent_api", "rival")
    assert reply.done and "revoked rival" in reply.text
    assert model.run.main.provider("incumbent_api").state_of("rival") is AccessState.REVOKED
    assert model.run.twin.provider("incumbent_api").state_of("rival") is AccessState.ALLOWED
    for _ in range(4):
        model.step()
    main, twin = _capability(model, "main", "rival"), _capability(model, "twin", "rival")
    assert main[:4] == twin[:4], "common random numbers: identical before the intervention"
    assert all(m < t for m, t in zip(main[4:], twin[4:], strict=True)), (main, twin)
    assert not any(e["reason"] == USER_REASON for e in model.run.twin.event_log)


def test_revocations_that_cannot_happen_are_explained() -> None:
    model = DashboardModel(preset="safe_harbor", n_developers=300)
    assert model.run is not None
    assert "own API" in model.run.revoke("incumbent_api", "incumbent").text
    model.run.revoke("incumbent_api", "rival")
    assert "already" in model.run.revoke("incumbent_api", "rival").text
    while model.run.month < 30:
        model.step()
    reply = model.run.revoke("rival_api", "incumbent")
    assert not reply.done and "safe-harbour" in reply.text
    assert len(model.run.interventions) == 1


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"social_degree": 7}, "population.social_degree = 7: expected an even number"),
        ({"n_developers": 10, "social_degree": 12}, "expected fewer than"),
        ({"horizon": 12}, "horizon = 12: preset claude_cutoff schedules events up to month 25"),
    ],
)
def test_invalid_settings_leave_a_message_and_no_run(
    settings: dict[str, int], expected: str
) -> None:
    model = DashboardModel(**settings)
    assert expected in model.error
    assert model.run is None and not model.running
    model.step()


def test_every_view_marks_the_intervention() -> None:
    model = DashboardModel(preset="baseline", n_developers=300)
    assert model.run is not None
    views = {name: make(model.run) for name, make in VIEWS.items()}
    model.step()
    model.run.revoke("incumbent_api", "rival")
    model.step()
    for name, view in views.items():
        view.update()
        if isinstance(view, Timeline):
            assert "dashed: twin" in view.caption(), name
            assert "red line: your revocation after month 1" in view.caption(), name
        else:
            assert "incumbent_api cut off rival" in view.caption()


# --- the page in a real browser ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def chromium() -> Path:
    """The system's Chromium; CI installs it, and its absence fails the test (never skips)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    return CHROMIUM


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server") / "solara.log"


@pytest.fixture(scope="module")
def dashboard_url(chromium: Path, server_log: Path) -> Iterator[str]:
    """The dashboard served by the README's command on a free loopback port, stopped by its
    PID afterwards. PYTEST_CURRENT_TEST is dropped so solara serves the page a user gets."""
    port, log = _free_port(), server_log
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara), "run", "sim.dashboard.app", "--production", "--no-check-version"]
    command += ["--no-open", "--host", "127.0.0.1", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    url = f"http://127.0.0.1:{port}/"
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard server exited ({proc.returncode}):\n{log.read_text()}")
            try:
                with direct.open(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the dashboard did not answer within {SERVER_START_TIMEOUT:.0f} s:\n"
                    + log.read_text()[-3000:]
                )
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _red_pixels(png: bytes) -> int:
    """Pixels of the intervention marker's pure red (antialiased edges excluded)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)).sum())


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1"


@pytest.mark.slow(seconds=90)  # a server and a real browser, driven month by month
def test_dashboard_in_a_real_browser(
    chromium: Path, dashboard_url: str, server_log: Path, tmp_path: Path
) -> None:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install the project's dev extra")

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(20_000)
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route(
                lambda url: not _is_loopback(url), lambda route: route.abort("blockedbyclient")
            )
            page.goto(dashboard_url)

            def month(n: int) -> None:
                expect(page.locator(".ar-month")).to_have_text(f"Month {n} of 60")

            def step_to(n: int) -> None:
                while (now := shown()) < n:
                    page.get_by_role("button", name="Step", exact=True).click()
                    month(now + 1)

            def plot(name: str) -> bytes:
                return page.locator(f".ar-{name} img").screenshot()

            def shown() -> int:
                return int(page.locator(".ar-month").inner_text().split()[1])

            def reach(n: int) -> None:
                """Wait until the display shows month `n` or later."""
                page.wait_for_function(
                    "n => parseInt(document.querySelector('.ar-month').textContent"
                    ".split(' ')[1]) >= n",
                    arg=n,
                    timeout=90_000,
                )

            def play_until(n: int) -> None:
                page.get_by_role("button", name="Play", exact=True).click()
                reach(n)

            def pause() -> None:
                page.get_by_role("button", name="Pause", exact=True).click()
                page.get_by_role("button", name="Step", exact=True).wait_for()

            month(0)
            expect(page.locator(".ar-monitor")).to_contain_text("trust in incumbent_api: you ")
            for name in VIEWS:  # a projector's 1280x720 shows every figure without scrolling
                box = page.locator(f".ar-{name} img").bounding_box()
                assert box and box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720
            box = page.locator(".ar-trust img").bounding_box()  # ticks legible on a projector
            assert box and TICK_PT * box["width"] / (FIGSIZE[0] * 72) >= 18, box
            for leftover in ("Use Threads", "Render Interval", "Time:", "runs on Solara"):
                expect(page.get_by_text(leftover)).to_have_count(0)
            # The flagship demo: the scripted cutoff at month 24 against the twin without it.
            expect(page.locator(".ar-monitor")).to_contain_text("gap +0.00")
            play_until(26)
            pause()
            expect(page.locator(".ar-feed")).to_contain_text(
                "Month 24: incumbent_api cut rival to evaluation only"
            )
            expect(page.locator(".ar-monitor")).to_contain_text("gap \u2212")
            page.get_by_role("button", name="Reset", exact=True).click()
            month(0)

            page.get_by_text("Scripted cutoff: on/off").click()
            page.locator(".v-select").filter(has_text="Scenario preset").click()
            page.get_by_role("option", name="baseline").click()
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.get_by_text("Preset: baseline")).to_be_visible()
            expect(page.get_by_text("Business as usual.")).to_be_visible()
            expect(page.get_by_text("cutoff False")).to_be_visible()
            month(0)
            step_to(3)
            before = {name: plot(name) for name in VIEWS}

            page.get_by_role("button", name="Revoke access now").click()
            expect(page.locator(".ar-message")).to_contain_text("incumbent_api revoked rival")
            expect(page.locator(".ar-feed")).to_contain_text(
                "Month 3: incumbent_api revoked rival's access (by you)"
            )
            page.get_by_role("button", name="Revoke access now").click()
            expect(page.locator(".ar-message")).to_contain_text("already lost access")
            step_to(6)
            expect(page.locator(".ar-monitor")).to_contain_text("gap \u2212")
            after = {name: plot(name) for name in VIEWS}
            for name in VIEWS:
                assert after[name] != before[name], f"the {name} plot did not change"
                red = _red_pixels(after[name]) - _red_pixels(before[name])
                assert red > 20, f"no intervention marker on the {name} plot"
            for name in ("capability", "trust", "share"):
                text = page.locator(f".ar-{name} .ar-caption").inner_text()
                assert "dashed: twin without your revocations" in text, name
                assert "red line: your revocation after month 3" in text, name
            expect(page.locator(".ar-network .ar-caption")).to_contain_text(
                "incumbent_api cut off rival"
            )
            page.locator(".ar-trust").get_by_text("you \u2212 twin").click()
            expect(page.locator(".ar-trust .ar-caption")).to_contain_text(
                "your run minus the twin without your revocations"
            )
            assert plot("trust") != after["trust"], "the difference view did not replace the plot"
            box = page.locator(".ar-trust img").bounding_box()
            assert box and box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=shot, full_page=True)
            shutil.copyfile(shot, SCREENSHOT_COPY)

            ties = page.locator(".ar-setting-social_degree")
            expect(ties).to_contain_text("Social ties per developer (even): 6 ties")
            ties.get_by_role("slider").press("ArrowRight")
            expect(ties).to_contain_text("Social ties per developer (even): 7 ties")
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.locator(".ar-error")).to_contain_text(
                "population.social_degree = 7: expected an even number"
            )
            assert "Traceback" not in page.inner_text("body")
            ties.get_by_role("slider").press("ArrowLeft")
            page.get_by_role("button", name="Reset", exact=True).click()
            month(0)

            # Revoking while playing: recorded at the month on screen; the display goes on.
            play_until(3)
            clicked_at = shown()
            page.get_by_role("button", name="Revoke access now").click()
            answered_at = shown()
            by_you = "incumbent_api revoked rival's access (by you)"
            expect(page.locator(".ar-feed")).to_contain_text(by_you)
            line = re.search(rf"Month (\d+): {re.escape(by_you)}", page.inner_text(".ar-feed"))
            assert line, page.inner_text(".ar-feed")
            assert clicked_at <= int(line[1]) <= answered_at, (clicked_at, line[0], answered_at)
            reach(int(line[1]) + 3)
            pause()
        finally:
            browser.close()

    outside = [url for url in requests if not _is_loopback(url)]
    assert not outside, f"requests left the machine: {outside}"
    assert not errors, f"browser console errors: {errors}"
    assert "Could not load URL" not in server_log.read_text(), "an asset is missing offline"
