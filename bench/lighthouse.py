"""``make bench`` part 9: Lighthouse's mobile scores of the consumer pages.

Lighthouse is pinned in bench/lighthouse/ (package.json and its lock) and installed there
by ``npm ci`` into var/lighthouse/ on first use. It drives Debian's chromium against the
bench server (production settings: compressed responses, hashed static files with
long-lived caching) with its default mobile profile: a phone's screen, a slow 4G network
and a 4x slower CPU, simulated. Each page is audited once; a page prints its four category
scores and its first and largest contentful paint, total blocking time and layout shift.

The product's bar is a performance score of 95 or more on every consumer page: the part
names each page below it. The numbers come from the run, never from this file. Needs node
and npm (``bin/ensure-tool`` installs Debian's when it can) and chromium
(``CHROMIUM_PATH``); without them the part says what is missing and is skipped.
"""

# ruff: noqa: S603, S607 -- runs fixed commands of this project (npm, lighthouse)
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PINNED = ROOT / "bench" / "lighthouse"
INSTALLED = ROOT / "var" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
BAR = 95
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "FCP": "first-contentful-paint",
    "LCP": "largest-contentful-paint",
    "TBT": "total-blocking-time",
    "CLS": "cumulative-layout-shift",
}


def consumer_pages() -> dict[str, str]:
    """The demo's consumer pages: the hub (and in Arabic and Hebrew, right to left), each
    live tab, a rules page, the shop and a product page."""
    from promotions.models import Promotion
    from shop.models import Product

    pages = {
        "hub": "/p/demo/launch/",
        "hub ?lang=ar": "/p/demo/launch/?lang=ar",
        "hub ?lang=he": "/p/demo/launch/?lang=he",
    }
    tabs = list(
        Promotion.objects.live()
        .filter(campaign__brand__slug="demo", campaign__slug="launch")
        .select_related("campaign__brand")
        .order_by("position", "pk")
    )
    for promotion in tabs:
        pages[f"tab {promotion.slug}"] = promotion.get_absolute_url()
    if tabs:
        pages[f"rules {tabs[0].slug}"] = tabs[0].get_absolute_url() + "rules/"
    pages["shop"] = "/shop/demo/"
    product = Product.objects.on_sale().filter(brand__slug="demo").order_by("pk").first()
    if product is not None:
        pages["product"] = f"/shop/demo/{product.slug}/"
    return pages


def lighthouse_installed(say: Callable[[str], None]) -> Path | None:
    """The pinned Lighthouse, installed from the lock when it is not there yet."""
    program = INSTALLED / "node_modules" / ".bin" / "lighthouse"
    lock = INSTALLED / "package-lock.json"
    if (
        program.exists()
        and lock.exists()
        and lock.read_bytes() == (PINNED / "package-lock.json").read_bytes()
    ):
        return program
    if subprocess.run([sys.executable, str(ROOT / "bin" / "ensure-tool"), "npm", "npm"]).returncode:
        say("   skipped: Lighthouse needs node and npm (apt-get install nodejs npm)")
        return None
    INSTALLED.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", ".npmrc"):
        shutil.copyfile(PINNED / name, INSTALLED / name)
    say("   installing the pinned Lighthouse (npm ci, once)...")
    done = subprocess.run(
        ["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=INSTALLED, capture_output=True
    )
    if done.returncode or not program.exists():
        say(f"   skipped: npm ci failed: {done.stderr.decode(errors='replace').strip()[-300:]}")
        return None
    return program


def audit(program: Path, url: str, out: Path) -> dict[str, Any] | None:
    """One Lighthouse run of ``url``: its JSON report, None when Lighthouse failed."""
    done = subprocess.run(
        [
            str(program),
            url,
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={out}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        timeout=180,
    )
    if done.returncode or not out.exists():
        return None
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def page_numbers(report: dict[str, Any]) -> dict[str, Any]:
    scores = {
        name: None if c["score"] is None else round(c["score"] * 100)
        for name, c in report["categories"].items()
    }
    metrics = {
        label: report["audits"][key].get("displayValue", "?").replace("\xa0", " ")
        for label, key in METRICS.items()
    }
    if report.get("runtimeError"):
        metrics["error"] = report["runtimeError"].get("message", "")
    return {"scores": scores, "metrics": metrics}


def bench_lighthouse(*, results: dict[str, Any], say: Callable[[str], None], port: int) -> None:
    say("\n9. Lighthouse, mobile (simulated slow 4G, 4x CPU slowdown), production settings")
    if not os.access(CHROMIUM, os.X_OK):
        say(f"   skipped: no chromium at {CHROMIUM} (apt-get install chromium)")
        return
    program = lighthouse_installed(say)
    if program is None:
        return
    version = json.loads((INSTALLED / "node_modules/lighthouse/package.json").read_text())
    say(f"   Lighthouse {version['version']}, bar: performance >= {BAR} on every page")
    reports = INSTALLED / "reports"
    reports.mkdir(exist_ok=True)
    measured: dict[str, Any] = {}
    below: list[str] = []
    for name, path in consumer_pages().items():
        out = reports / (name.replace(" ", "_").replace("?", "").replace("=", "-") + ".json")
        out.unlink(missing_ok=True)
        report = audit(program, f"http://127.0.0.1:{port}{path}", out)
        if report is None:
            say(f"   {name:<22} {path}: Lighthouse failed")
            measured[name] = {"path": path, "error": "lighthouse failed"}
            below.append(name)
            continue
        numbers = page_numbers(report)
        measured[name] = {"path": path, **numbers}
        scores, metrics = numbers["scores"], numbers["metrics"]
        shown = " ".join(f"{k} {scores.get(k)}" for k in CATEGORIES)
        timing = ", ".join(f"{k} {v}" for k, v in metrics.items())
        say(f"   {name:<22} {shown} ({timing})")
        if (scores.get("performance") or 0) < BAR:
            below.append(name)
    results["lighthouse"] = {"version": version["version"], "bar": BAR, "pages": measured}
    if below:
        say(f"   below the bar: {', '.join(below)}")
    else:
        say(f"   every page at performance >= {BAR}")
    say(f"   reports: {reports.relative_to(ROOT)}/")
