"""The web UI in real Chromium against the real product: daphne, Celery workers, Redis.

Sign in, upload an export, run every analysis it can feed and see each thumbnail arrive live;
restart daphne mid-job and see the page recover to the right final state; switch to Spanish;
preview a record-level export's publications, see every analysis' thumbnail in the picker and
group and publish charts in bulk in the library.
A screenshot of each page goes to the folder printed at the start (var/e2e-screenshots/).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.core.queues import Queue
from apps.datasets.tests import fixtures_records as fx
from apps.datasets.tests.fixtures import build_filters_xlsx
from conftest import SHARED_DATA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
WAIT_MS = 60_000


@pytest.fixture
def analyst(transactional_db):
    return UserFactory(password=PASSWORD, is_staff=True)


@pytest.fixture
def export_file(tmp_path) -> Path:
    real = SHARED_DATA / "espacenet-filters.xlsx"
    if real.is_file():
        return real
    path = tmp_path / "espacenet-filters.xlsx"
    path.write_bytes(build_filters_xlsx())
    return path


@pytest.fixture
def page(browser_stack, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def sign_in(page, stack, user, shots: Path | None = None) -> None:
    page.goto(stack.base_url + "/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    if shots:
        page.screenshot(path=shots / "01-sign-in.png")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def upload(page, stack, export: Path, shots: Path | None = None) -> int:
    page.goto(stack.base_url + "/datasets")
    page.locator("#upload-file").set_input_files(str(export))
    page.get_by_label("Dataset name").fill("Phytoremediation sensors")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/datasets/\d+$"))
    page.get_by_role("link", name="Analyse this dataset").wait_for()  # shown once ingestion is done
    if shots:
        page.screenshot(path=shots / "03-dataset.png", full_page=True)
    return int(page.url.rsplit("/", 1)[1])


def thumbnails_loaded(page) -> int:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=thumbnail]')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length"
    )


def wait_for_final_state(page, total: int) -> None:
    page.wait_for_function(
        "total => document.querySelectorAll('[data-testid=thumbnail]').length === total",
        arg=total,
        timeout=WAIT_MS,
    )
    page.locator("[data-testid=job-status] [data-status=SUCCESS]").wait_for()
    deadline = time.monotonic() + 20
    while thumbnails_loaded(page) < total and time.monotonic() < deadline:
        time.sleep(0.2)
    assert thumbnails_loaded(page) == total


def test_sign_in_upload_run_everything_and_watch_it_live(
    page, browser_stack, analyst, export_file, screenshots
):
    stack = browser_stack
    sign_in(page, stack, analyst, screenshots)
    page.screenshot(path=screenshots / "02-dashboard.png", full_page=True)
    dataset_id = upload(page, stack, export_file, screenshots)
    assert page.get_by_test_id("dataset-format").inner_text().strip() not in ("", "—")

    page.get_by_role("link", name="Analyse this dataset").click()
    page.get_by_role("heading", name="New analysis").wait_for()
    page.locator("input[data-analysis]").first.wait_for()
    boxes = page.locator("input[data-analysis]:not([disabled])")
    feedable = boxes.count()
    assert feedable >= 8
    assert all(boxes.nth(i).is_checked() for i in range(feedable))  # everything it can feed, by default
    page.get_by_label("Write a description of every chart").check()
    page.get_by_label("Provider").select_option("local")  # the offline describer: no network
    page.screenshot(path=screenshots / "04-new-analysis.png", full_page=True)
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    page.get_by_role("button", name="Start the analysis").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    loads_before = page.evaluate("() => performance.getEntriesByType('navigation').length")

    page.get_by_test_id("item-card").first.wait_for()
    assert page.get_by_test_id("item-card").count() == feedable
    wait_for_final_state(page, feedable)
    assert page.get_by_test_id("count-succeeded").inner_text() == str(feedable)
    # Every chart's description arrives on the same socket, streamed, then done.
    page.wait_for_function(
        """total => [...document.querySelectorAll('[data-testid=description]')]
            .filter(p => !p.classList.contains('streaming') && p.textContent.length > 40).length === total""",
        arg=feedable,
    )
    assert page.get_by_test_id("connection").get_attribute("data-state") == "open"
    # Client-side navigation only: the job page was never reloaded while the charts arrived.
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == loads_before
    assert all(f"/datasets/{dataset_id}" not in url for url in navigations[1:])
    page.screenshot(path=screenshots / "05-job-live.png", full_page=True)

    page.get_by_role("button", name="Download all (ZIP)").click()  # a report pack, followed live
    zip_link = page.get_by_test_id("zip-link")
    zip_link.wait_for()
    download = page.request.get(stack.base_url + zip_link.get_attribute("href"))
    assert download.ok
    assert download.body()[:2] == b"PK"

    # The finished job and its report pack each left a notification, pushed live to the top bar.
    bell = page.get_by_test_id("notifications")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=notifications] .badge')?.textContent) >= 2"
    )
    bell.locator("summary").click()
    assert bell.locator("li.unread").count() >= 2
    bell.get_by_role("button", name="Mark all read").click()
    bell.locator(".badge").wait_for(state="detached")
    bell.locator("summary").click()

    page.get_by_test_id("item-card").first.get_by_role("link").first.click()
    page.get_by_test_id("chart-data").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=chart-image]')?.naturalWidth > 0")
    page.screenshot(path=screenshots / "06-chart-detail.png", full_page=True)

    page.get_by_role("link", name="Library").click()
    page.locator("[data-testid=library] li").first.wait_for()
    assert page.locator("[data-testid=library] li").count() == feedable
    first = page.locator("[data-testid=library] li").first
    if first.get_by_role("button", name="Publish").count():  # the server has the library API
        first.get_by_role("button", name="Publish").click()
        first.get_by_role("button", name="Unpublish").wait_for()
        first.get_by_label("Add a tag").fill("report 2026")
        first.get_by_role("button", name="Tag", exact=True).click()
        first.get_by_text("report 2026", exact=True).wait_for()
    page.screenshot(path=screenshots / "07-library.png", full_page=True)

    page.get_by_role("link", name="System").click()
    page.get_by_role("heading", name="System").wait_for()
    page.screenshot(path=screenshots / "08-system.png", full_page=True)
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_test_id("recent-jobs").get_by_role("link").first.wait_for()
    assert page.get_by_test_id("recent-jobs").locator(f"a[href='/jobs/{job_id}']").count() == 1


def test_daphne_restarts_mid_job_and_the_page_recovers(
    page, browser_stack, analyst, export_file, screenshots
):
    stack = browser_stack
    sign_in(page, stack, analyst)
    dataset_id = upload(page, stack, export_file)
    # Hold the charts back so the job is surely running when the web server goes away.
    stack.stop_process(f"worker-{Queue.CHARTS_CPU.value}")
    analyses = [
        {"key": key} for key in ("publication_trend", "cumulative_trend", "top_applicants", "top_countries")
    ]
    analyses += [{"key": "top_applicants", "params": {"top_n": n}} for n in range(3, 15)]
    job = page.evaluate(
        """async ({dataset, analyses}) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const r = await fetch('/api/v1/jobs/', {method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
                body: JSON.stringify({dataset, analyses, title: 'Restart drill', style: {dpi: 72}})});
            return await r.json();
        }""",
        {"dataset": dataset_id, "analyses": analyses},
    )
    total = len(analyses)
    page.goto(f"{stack.base_url}/jobs/{job['id']}")
    page.get_by_test_id("item-card").first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=connection]')?.dataset.state === 'open'"
    )
    page.evaluate(
        """() => { window.__states = [];
            const state = () => document.querySelector('[data-testid=connection]')?.dataset.state;
            new MutationObserver(() => window.__states.push(state())).observe(
              document.body, {subtree: true, attributes: true, attributeFilter: ['data-state']}); }"""
    )

    stack.start_worker(Queue.CHARTS_CPU)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=thumbnail]').length >= 1")
    stack.restart_daphne(down_s=2.0)  # the charts go on being drawn while the web server is down
    page.screenshot(path=screenshots / "09-job-after-restart.png", full_page=True)

    wait_for_final_state(page, total)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=connection]')?.dataset.state === 'open'"
    )
    states = page.evaluate("() => window.__states")
    assert "reconnecting" in states, states
    assert page.get_by_test_id("count-succeeded").inner_text() == str(total)
    assert page.get_by_test_id("count-failed").inner_text() == "0"
    seqs = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=activity-log] .log-seq')]"
        ".map(e => Number(e.textContent))"
    )
    assert len(seqs) == len(set(seqs)), "an event was shown twice"
    assert sorted(seqs) == list(range(min(seqs), max(seqs) + 1)), "the activity log has a hole"
    page.screenshot(path=screenshots / "10-job-recovered.png", full_page=True)


def test_switch_to_spanish(page, browser_stack, analyst, screenshots):
    stack = browser_stack
    sign_in(page, stack, analyst)
    page.get_by_test_id("language").select_option("es")
    page.get_by_role("heading", name="Panel").wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "es"
    assert page.get_by_role("link", name="Nuevo análisis").count() >= 1
    page.screenshot(path=screenshots / "11-dashboard-es.png", full_page=True)
    page.get_by_role("link", name="Datos", exact=True).click()
    page.get_by_role("heading", name="Conjuntos de datos", exact=True).wait_for()
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, upright
    page.screenshot(path=screenshots / "12-datasets-es-tablet.png", full_page=True)
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )  # no sideways scroll
    page.reload()  # the choice is remembered
    page.get_by_role("heading", name="Conjuntos de datos", exact=True).wait_for()
    page.get_by_role("button", name="Cerrar sesión").click()
    page.get_by_role("heading", name="Entrar en Intelli").wait_for()


def test_record_preview_thumbnails_and_library_groups(page, browser_stack, analyst, tmp_path, screenshots):
    """A record-level export: its first publications in a paged table, every analysis' thumbnail in
    the picker, and two charts put into a new group and published in one go from the library."""
    stack = browser_stack
    lens = tmp_path / "lens-export.csv"
    lens.write_bytes(fx.build_lens_csv())
    sign_in(page, stack, analyst)
    upload(page, stack, lens)

    rows = page.get_by_test_id("record-row")
    rows.first.wait_for()
    assert rows.count() == fx.RECORDS
    table = page.get_by_test_id("records")
    assert table.get_by_role("columnheader", name="Publication number").count() == 1
    assert table.get_by_role("columnheader", name="Applicants").count() == 1
    for number in fx.BY_NUMBER:
        assert table.get_by_role("rowheader", name=number, exact=True).count() == 1
    assert f"of {fx.RECORDS}" in page.get_by_test_id("records-range").inner_text()
    page.screenshot(path=screenshots / "13-dataset-records.png", full_page=True)

    page.get_by_role("link", name="Analyse this dataset").click()
    page.get_by_role("heading", name="New analysis").wait_for()
    thumbs = page.get_by_test_id("analysis-thumbnail")
    thumbs.first.wait_for()
    total = page.locator("input[data-analysis]").count()
    assert thumbs.count() == total
    for i in range(total):  # lazy images load once they come near the viewport
        thumbs.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        """total => [...document.querySelectorAll('[data-testid=analysis-thumbnail]')]
            .filter(img => img.complete && img.naturalWidth > 300).length === total""",
        arg=total,
    )
    assert thumbs.first.get_attribute("alt").startswith("Example: ")
    page.screenshot(path=screenshots / "14-new-analysis-thumbnails.png", full_page=True)

    page.get_by_role("button", name="Select none").click()
    page.locator("input[data-analysis=publication_trend]").check()
    page.locator("input[data-analysis=top_applicants]").check()
    page.get_by_role("button", name="Start the analysis").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    wait_for_final_state(page, 2)

    page.get_by_role("link", name="Library").click()
    cards = page.locator("[data-testid=library] li")
    cards.first.wait_for()
    assert cards.count() == 2
    bulk = page.get_by_test_id("bulk-bar")
    bulk.get_by_role("button", name="Select the 2 shown").click()
    assert bulk.get_by_test_id("bulk-count").inner_text() == "2 selected"
    bulk.get_by_label("Action").select_option("add_to_group")
    bulk.get_by_label("Group name").fill("Board pack")
    bulk.get_by_role("button", name="Apply to the selection").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=bulk-message]')?.textContent"
        " === 'Done: 2 of 2 charts changed.'"
    )
    page.wait_for_function("() => document.querySelectorAll('[data-testid=chart-groups]').length === 2")
    groups = page.get_by_test_id("groups")
    groups.get_by_role("button", name="Board pack", exact=True).wait_for()
    groups.get_by_text("2 charts").wait_for()

    bulk.get_by_label("Action").select_option("publish")
    bulk.get_by_role("button", name="Apply to the selection").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=library] li button[aria-pressed=true]')]"
        ".filter(b => b.textContent === 'Unpublish').length === 2"
    )
    page.get_by_label("Group", exact=True).select_option(label="Board pack")
    assert cards.count() == 2
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, upright
    page.screenshot(path=screenshots / "15-library-groups-tablet.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
