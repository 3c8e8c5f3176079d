"""Helpers for the web UI's browser tests: a fresh bundle and Debian's Chromium.

The bundle is built when `frontend/dist` is missing or older than a source file (npm ci when the
lock file is newer than node_modules); without npm the tests skip with that reason. Chromium is
the distribution's package, driven by Playwright (`playwright install` is never run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

FRONTEND = Path(settings.BASE_DIR) / "frontend"
DIST_INDEX = FRONTEND / "dist" / "index.html"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
SOURCES = ("src", "index.html", "vite.config.ts", "tsconfig.json", "package.json", "package-lock.json")


def chromium_path() -> str | None:
    configured = os.environ.get("INTELLI_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None)


def _newest(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            newest = max([newest, *(f.stat().st_mtime for f in path.rglob("*") if f.is_file())])
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def bundle_is_stale() -> bool:
    if not DIST_INDEX.exists():
        return True
    return _newest([FRONTEND / s for s in SOURCES]) > DIST_INDEX.stat().st_mtime


def ensure_bundle() -> str | None:
    """Build the bundle if needed; return why it cannot be, or None when it is ready."""
    if not bundle_is_stale():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed and frontend/dist is missing or stale: install Node.js 20 to build it"
    modules = FRONTEND / "node_modules" / ".package-lock.json"
    if not modules.exists() or (FRONTEND / "package-lock.json").stat().st_mtime > modules.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True, timeout=600)  # noqa: S603 (npm from PATH, fixed arguments)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True, timeout=600)  # noqa: S603 (as above)
    return None
