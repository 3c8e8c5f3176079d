"""The web UI's budget, measured in real Chromium from the built bundle.

1. Initial JavaScript, gzipped (what index.html loads before any page's chunk).
2. First meaningful render: from navigation start to the dashboard's heading on screen, signed in,
   with a cold cache (a new browser context per run), against daphne serving the bundle.
3. The live job view under 50 events per second: the page opens a 1,000-chart job whose socket is
   played by this script (Playwright's WebSocket routing), which sends a snapshot and then 50
   persisted events per second (item.status running/done, with transient progress between) for
   the chosen duration. The page counts its frames with requestAnimationFrame: frames longer than
   two vsyncs (33 ms) and the longest frame say whether events cost frames.

    .venv/bin/python bench/ui_events.py [--seconds 20] [--rate 50] [--items 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BASE_DIR, bench_stack, machine, signed_in

CHROMIUM = "/usr/bin/chromium"
FRAME_PROBE = """() => {
  window.__frames = [];
  let last = performance.now();
  const tick = (now) => {
    window.__frames.push(now - last); last = now; window.__raf = requestAnimationFrame(tick);
  };
  window.__raf = requestAnimationFrame(tick);
  window.__longtasks = 0;
  try {
    new PerformanceObserver((l) => { window.__longtasks += l.getEntries().length; })
      .observe({ entryTypes: ['longtask'] });
  } catch (e) {}
}"""
FIRST_RENDER = """() => new Promise((resolve) => {
  const check = () => {
    const h1 = document.querySelector('main h1');
    if (h1 && h1.textContent) resolve(performance.now()); else requestAnimationFrame(check);
  };
  check();
})"""


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def envelope(type_: str, seq: int | None, data: dict) -> str:
    return json.dumps({"type": type_, "v": 1, "job": 999999, "seq": seq, "at": now(), "data": data})


def snapshot(items: int) -> str:
    rows = [
        {
            "item": i + 1,
            "position": i,
            "analysis": "publication_trend",
            "status": "PENDING",
            "progress": 0,
            "error": "",
            "attempts": 0,
            "artifacts": {},
            "duration_ms": None,
            "description": None,
        }
        for i in range(items)
    ]
    job = {
        "id": 999999,
        "title": "UI bench",
        "status": "RUNNING",
        "total": items,
        "succeeded": 0,
        "failed": 0,
        "cancelled": 0,
        "progress": 0,
        "dataset": {"id": 1, "name": "bench"},
    }
    return envelope("job.snapshot", 1, {"job": job, "items": rows, "replay_truncated": False})


def initial_js_kb() -> float:
    out = subprocess.run(
        ["node", "scripts/size.mjs"], cwd=BASE_DIR / "frontend", capture_output=True, text=True
    )
    for line in out.stdout.splitlines():
        if line.startswith("initial JS"):
            return float(line.split(":")[1].split("KB")[0])
    raise SystemExit(out.stdout + out.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (BASE_DIR / "frontend" / "dist" / "index.html").exists():
        raise SystemExit("Build the web UI first: cd frontend && npm ci && npm run build")

    from playwright.sync_api import sync_playwright

    print(machine())
    print(f"initial JS, gzipped: {initial_js_kb():.1f} KB (budget 250 KB)")
    with bench_stack() as stack, sync_playwright() as pw:
        http = signed_in(stack)
        cookies = [{"name": k, "value": v, "url": stack.base_url} for k, v in http.cookies.items()]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        renders, fcps = [], []
        for _ in range(args.runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies(cookies)
            page = context.new_page()
            page.goto(stack.base_url + "/", wait_until="commit")
            rendered = page.evaluate(FIRST_RENDER)
            fcp = page.evaluate(
                "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
            )
            renders.append(rendered)
            fcps.append(fcp or 0.0)
            context.close()
        renders, fcps = renders[1:], fcps[1:]  # the first run warms daphne's own caches
        print(
            f"first meaningful render (dashboard heading on screen, cold browser cache): "
            f"median {statistics.median(renders):.0f} ms, max {max(renders):.0f} ms "
            f"(first contentful paint median {statistics.median(fcps):.0f} ms) over {len(renders)} runs"
        )

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(cookies)
        page = context.new_page()
        sockets = []
        page.route_web_socket("**/ws/jobs/999999/**", lambda ws: sockets.append(ws))
        page.goto(stack.base_url + "/jobs/999999")
        deadline = time.monotonic() + 20
        while not sockets and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        ws = sockets[0]
        ws.send(snapshot(args.items))
        page.get_by_test_id("item-card").first.wait_for()
        page.wait_for_timeout(500)
        page.evaluate(FRAME_PROBE)
        seq, sent, started = 1, 0, time.monotonic()
        interval = 1 / args.rate
        item = 0
        while time.monotonic() - started < args.seconds:
            due = started + sent * interval
            delay = due - time.monotonic()
            if delay > 0:
                page.wait_for_timeout(delay * 1000)
            item_id = item % args.items + 1
            if sent % 2 == 0:
                seq += 1
                data = {
                    "item": item_id,
                    "position": item_id - 1,
                    "analysis": "publication_trend",
                    "status": "RUNNING",
                    "progress": 0,
                    "error": "",
                    "attempts": 1,
                }
                ws.send(envelope("item.status", seq, data))
                ws.send(envelope("item.progress", None, {"item": item_id, "progress": 50, "stage": "render"}))
            else:
                seq += 1
                data = {
                    "item": item_id,
                    "position": item_id - 1,
                    "analysis": "publication_trend",
                    "status": "SUCCESS",
                    "progress": 100,
                    "error": "",
                    "attempts": 1,
                }
                ws.send(envelope("item.status", seq, data))
                item += 1
            sent += 1
        elapsed = time.monotonic() - started
        page.wait_for_timeout(300)
        frames = page.evaluate("() => { cancelAnimationFrame(window.__raf); return window.__frames; }")
        longtasks = page.evaluate("() => window.__longtasks")
        shown = page.get_by_test_id("count-succeeded").inner_text()
        context.close()
        browser.close()

    frames = frames[1:]
    vsync = statistics.median(frames)
    dropped = sum(max(0, round(f / vsync) - 1) for f in frames)
    slow = sum(1 for f in frames if f > 2 * vsync)
    print(
        f"job view, {args.items} items, {sent} persisted events in {elapsed:.1f} s "
        f"({sent / elapsed:.1f}/s, plus {sent // 2} progress hints): "
        f"{len(frames)} frames, vsync {vsync:.1f} ms, "
        f"dropped {dropped} ({100 * dropped / (len(frames) + dropped):.2f} %), frames > 2 vsyncs {slow}, "
        f"longest {max(frames):.1f} ms, p99 {sorted(frames)[int(0.99 * (len(frames) - 1))]:.1f} ms, "
        f"long tasks {longtasks}; counter shows {shown} done"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
