"""Describing a chart through the API and the real `ai.describe_item` task (eager), against a local
OpenAI-compatible server: what is stored, what is streamed, how failures end, regenerate and edit."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from apps.ai.limits import budget_charge, budget_of, estimate_cost, reserve_slot
from apps.ai.models import Description, DescriptionStatus
from apps.ai.services import description_claim
from apps.ai.tasks import DescribeItemTask, describe_item
from apps.ai.writing import DeltaStreamer, description_run
from apps.jobs.models import ImageTask, ItemStatus, Job, JobEvent
from apps.jobs.selectors import job_snapshot
from config.celery import app

from .conftest import TEST_KEY
from .factories import DescriptionFactory, described_job, drawn_item
from .fake_openai import error, malformed, slow, stream

pytestmark = pytest.mark.django_db

ANSWER = (
    "Publications grew from 1 document in 2012 to 12 in 2020, a compound annual growth rate of 36.4%, "
    "with the peak in the latest year."
)


@pytest.fixture
def eager(settings):
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def sent(monkeypatch):
    """Every message the event helpers hand to the channel layer."""
    messages: list[dict] = []

    def capture(batch):
        for _, message in batch:  # a transaction's events travel as one "job.events" message
            events = message.get("events")
            messages.extend([{"event": e} for e in events] if events is not None else [message])

    monkeypatch.setattr("apps.jobs.events.group_send_many", capture)
    return messages


@pytest.fixture
def item(user):
    return drawn_item(job=described_job(owner=user))


@pytest.fixture
def describe(api_client, django_capture_on_commit_callbacks, eager):
    """POST …/describe/ and run what it queued (the eager task, its events) as a commit would."""

    def post(item: ImageTask, **payload):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(f"/api/v1/items/{item.pk}/describe/", payload, format="json")
        return response

    return post


def events_of(item: ImageTask) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in JobEvent.objects.filter(item=item).order_by("seq")]


# --- The local describer ---------------------------------------------------------------------------------


def test_the_local_describer_writes_from_the_data_and_says_it_is_local(describe, item, settings, sent):
    settings.AI_PROVIDER = "local"

    response = describe(item)

    assert response.status_code == 202, response.content
    assert response.json()["provider"] == "local" and response.json()["status"] == "PENDING"
    description = Description.objects.get(item=item)
    assert description.status == DescriptionStatus.SUCCESS and description.provider == "local"
    assert "46 documents" in description.text and "36.4%" in description.text
    assert description.cost_usd == 0 and description.prompt["facts"]["total"] == 46
    assert [(t, d["status"]) for t, d in events_of(item)] == [
        ("description.status", "PENDING"),
        ("description.status", "RUNNING"),
        ("description.done", "SUCCESS"),
    ]
    assert events_of(item)[-1][1]["provider"] == "local" and events_of(item)[-1][1]["item"] == item.pk


def test_the_job_language_is_used(describe, user, settings):
    settings.AI_PROVIDER = "local"
    spanish = drawn_item(job=described_job(owner=user, language="es"))

    describe(spanish)

    assert Description.objects.get(item=spanish).text.startswith("El gráfico cuenta 46 documentos")


# --- An OpenAI-compatible provider ------------------------------------------------------------------------


def test_a_streamed_description_is_stored_with_what_it_took(describe, item, fake_ai, user, sent):
    fake_ai.push(stream(ANSWER, chunks=12, chunk_delay_s=0.04, usage=(812, 64)))
    started = time.monotonic()

    response = describe(item)

    elapsed = time.monotonic() - started
    assert response.status_code == 202
    d = Description.objects.get(item=item)
    assert (d.status, d.provider, d.model, d.text) == ("SUCCESS", "openai", "gpt-4o-mini", ANSWER)
    assert (d.tokens_in, d.tokens_out, d.tokens_estimated) == (812, 64, False)
    assert d.cost_usd == estimate_cost("gpt-4o-mini", 812, 64) and d.latency_ms > 0
    assert d.prompt_version == "describe-v1" and [m["role"] for m in d.prompt] == ["system", "user"]
    # The prompt holds every point of the chart and the dataset's context.
    user_prompt = d.prompt[1]["content"]
    for year, count in [(2012, 1), (2013, 0), (2016, 6), (2020, 12)]:
        assert f"\n{year},{count}\n" in user_prompt or user_prompt.endswith(f"{year},{count}")
    assert "phytoremediation AND sensor" in user_prompt and "records: 46" in user_prompt
    assert fake_ai.requests[0]["body"]["messages"] == d.prompt  # exactly what was sent
    assert [c["outcome"] for c in d.calls] == ["ok"]
    assert TEST_KEY not in str(d.prompt) + str(d.calls)
    assert budget_of(user.pk).spent_usd == pytest.approx(float(d.cost_usd))

    # The text reached the browser while it was written: coalesced deltas, each whole so far.
    deltas = [m["event"] for m in sent if m["event"]["type"] == "description.delta"]
    assert 1 <= len(deltas) < 12 and len(deltas) <= elapsed * 10 + 1
    assert all(e["seq"] is None and e["data"]["item"] == item.pk for e in deltas)
    assert all(ANSWER.startswith(e["data"]["text"]) for e in deltas)
    assert all(e["data"]["offset"] <= len(e["data"]["text"]) for e in deltas)
    done = [m["event"] for m in sent if m["event"]["type"] == "description.done"]
    assert len(done) == 1 and done[0]["data"]["text"] == ANSWER and done[0]["seq"] is not None


def test_a_rejected_key_fails_at_once_with_a_clear_reason(describe, item, fake_ai):
    fake_ai.push(error(401, "Incorrect API key provided"))

    describe(item)

    d = Description.objects.get(item=item)
    assert d.status == "FAILED" and d.text == "" and len(fake_ai.requests) == 1
    assert d.error.startswith("API key rejected by the AI provider (HTTP 401)")
    failed = events_of(item)[-1]
    assert (
        failed[0] == "description.status"
        and failed[1]["status"] == "FAILED"
        and failed[1]["error"] == d.error
    )


def test_when_everything_fails_nothing_is_invented(describe, item, fake_ai, settings):
    settings.AI_FALLBACK_MODELS = ["gpt-4o"]
    fake_ai.push(*[error(500, "the model is overloaded")] * 6)

    describe(item)

    d = Description.objects.get(item=item)
    assert d.status == "FAILED" and d.text == "" and d.edited_text == ""
    assert "kept failing (HTTP 500: the model is overloaded)" in d.error
    assert [r["body"]["model"] for r in fake_ai.requests] == ["gpt-4o-mini"] * 3 + ["gpt-4o"] * 3
    assert [c["outcome"] for c in d.calls] == ["server"] * 6
    assert d.prompt and d.prompt_version == "describe-v1"  # kept to show what was asked


def test_429_with_retry_after_is_honoured_then_the_answer_is_kept(describe, item, fake_ai):
    fake_ai.push(error(429, "Rate limit reached", retry_after=1), stream(ANSWER))

    describe(item)

    d = Description.objects.get(item=item)
    assert d.status == "SUCCESS" and d.text == ANSWER
    assert [c["outcome"] for c in d.calls] == ["rate_limited", "ok"]
    assert fake_ai.requests[1]["at"] - fake_ai.requests[0]["at"] >= 1.0


def test_a_slow_answer_past_the_timeout_fails_with_a_reason(describe, item, fake_ai, settings):
    settings.AI_CALL_TIMEOUT_S = 0.4
    fake_ai.push(slow(1.5), slow(1.5), slow(1.5))

    describe(item)

    d = Description.objects.get(item=item)
    assert d.status == "FAILED" and "did not answer in time" in d.error and d.text == ""


def test_a_malformed_answer_is_retried(describe, item, fake_ai):
    fake_ai.push(malformed(), stream(ANSWER))

    describe(item)

    d = Description.objects.get(item=item)
    assert d.status == "SUCCESS" and [c["outcome"] for c in d.calls] == ["bad_response", "ok"]


def test_waiting_for_the_shared_rate_limit_happens_in_the_broker_and_is_bounded(
    describe, item, fake_ai, settings
):
    settings.AI_REQUESTS_PER_MINUTE = 1
    settings.AI_DEADLINE_S = 5
    reserve_slot(max_wait_s=0)  # someone took this minute's request: the next slot is 60 s away

    describe(item)

    d = Description.objects.get(item=item)
    # A worker would send the message again in a minute; eager mode has no broker to wait in.
    assert d.status == "FAILED" and "rate limit kept this description waiting" in d.error
    assert d.deferrals == 1 and fake_ai.requests == []


# --- Regenerate, edit, history -----------------------------------------------------------------------------


def test_regenerate_with_context_and_another_model_then_edit(describe, item, fake_ai, api_client, sent):
    fake_ai.push(stream("First."), stream("Second, about China."))
    describe(item)

    response = describe(item, context="Focus on Chinese universities.", model="gpt-4o")

    assert response.status_code == 202 and response.json()["generation"] == 2
    current = api_client.get(f"/api/v1/items/{item.pk}/description/").json()
    assert (current["generation"], current["model"], current["text"]) == (2, "gpt-4o", "Second, about China.")
    assert "Focus on Chinese universities." in current["prompt"][1]["content"]
    assert fake_ai.requests[1]["body"]["model"] == "gpt-4o"
    history = api_client.get(f"/api/v1/items/{item.pk}/descriptions/").json()
    assert [(h["generation"], h["text"]) for h in history] == [(2, "Second, about China."), (1, "First.")]

    edited = api_client.patch(
        f"/api/v1/items/{item.pk}/description/", {"text": "  My own words. "}, format="json"
    )

    assert edited.status_code == 200
    assert (edited.json()["text"], edited.json()["ai_text"], edited.json()["edited"]) == (
        "My own words.",
        "Second, about China.",
        True,
    )
    assert Description.objects.get(item=item, generation=2).text == "Second, about China."  # the AI original
    assert events_of(item)[-1][0] == "description.edited"
    reverted = api_client.patch(f"/api/v1/items/{item.pk}/description/", {"text": None}, format="json").json()
    assert (reverted["text"], reverted["edited"]) == ("Second, about China.", False)


def test_asking_twice_while_writing_or_before_the_chart_is_drawn_is_refused(describe, item, user, api_client):
    DescriptionFactory(item=item, status=DescriptionStatus.RUNNING)
    assert describe(item).status_code == 409

    pending = ImageTask.objects.filter(pk=drawn_item(job=item.job).pk)
    pending.update(status=ItemStatus.PENDING, data_json="")
    response = describe(pending.get())
    assert response.status_code == 409 and "not been drawn" in response.json()["error"]["message"]

    assert api_client.get(f"/api/v1/items/{item.pk}/description/").json()["status"] == "RUNNING"
    edit = api_client.patch(f"/api/v1/items/{item.pk}/description/", {"text": "x"}, format="json")
    assert edit.status_code == 409


def test_a_spent_budget_refuses_the_paid_provider_not_the_local_one(describe, item, fake_ai, settings, user):
    settings.AI_DAILY_BUDGET_USD = 0.01
    budget_charge(user.pk, estimate_cost("gpt-4o", 10_000, 0))

    refused = describe(item)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "budget_exhausted"
    assert describe(item, provider="local").status_code == 202
    assert Description.objects.get(item=item).status == "SUCCESS" and fake_ai.requests == []


def test_the_paid_provider_must_be_configured(describe, item, settings):
    settings.OPENAI_API_KEY = ""
    settings.AI_PROVIDER = "local"
    response = describe(item, provider="openai")
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_another_users_chart_is_not_found(describe, other_user, api_client):
    theirs = drawn_item(job=described_job(owner=other_user))
    assert describe(theirs).status_code == 404
    assert api_client.get(f"/api/v1/items/{theirs.pk}/description/").status_code == 404
    assert api_client.get("/api/v1/ai/providers/").json()["available"][0] == "local"


# --- Claims and failures ---------------------------------------------------------------------------------


def test_only_the_message_holding_the_claim_runs_a_description(item):
    description = DescriptionFactory(item=item, claim_id="mine")

    assert description_claim(description_id=description.pk, claim_id="not-mine", worker="w") is None
    assert Description.objects.get(pk=description.pk).status == "PENDING"
    assert description_claim(description_id=description.pk, claim_id="mine", worker="w").status == "RUNNING"


def test_a_description_of_a_cancelled_job_or_a_crash_looping_one_is_failed(item):
    from django.utils import timezone

    looping = DescriptionFactory(item=item, claim_id="a", status=DescriptionStatus.RUNNING, attempts=3)
    assert description_claim(description_id=looping.pk, claim_id="a", worker="w") is None
    assert "stopped 3 times" in Description.objects.get(pk=looping.pk).error

    queued = DescriptionFactory(item=item, claim_id="b")
    Job.objects.filter(pk=item.job_id).update(cancel_requested_at=timezone.now())
    assert description_claim(description_id=queued.pk, claim_id="b", worker="w") is None
    assert (
        Description.objects.get(pk=queued.pk).error
        == "The job was cancelled before this description was written."
    )


def test_a_chart_drawn_before_its_job_was_cancelled_can_still_be_described(describe, item, settings):
    from django.utils import timezone

    settings.AI_PROVIDER = "local"
    Job.objects.filter(pk=item.job_id).update(cancel_requested_at=timezone.now(), status="CANCELLED")

    assert describe(item).status_code == 202
    assert Description.objects.get(item=item).status == "SUCCESS"


def test_a_job_asking_for_a_provider_the_server_lost_gets_failed_descriptions_not_another_provider(
    user, settings, django_capture_on_commit_callbacks, eager
):
    from apps.ai.services import description_after_render

    settings.OPENAI_API_KEY = ""
    settings.AI_PROVIDER = "local"
    job = described_job(owner=user, describe=True, ai_provider="openai")
    item = drawn_item(job=job)

    with django_capture_on_commit_callbacks(execute=True):
        description_after_render(item=item)

    d = Description.objects.get(item=item)
    assert (d.status, d.provider) == ("FAILED", "openai") and "not configured" in d.error and d.text == ""


def test_an_unexpected_error_is_logged_with_a_reference(item, fake_ai, monkeypatch):
    description = DescriptionFactory(item=item, claim_id="c")
    monkeypatch.setattr("apps.ai.prompts.build_messages", lambda **_: 1 / 0)

    assert description_run(description_id=description.pk, claim_id="c", worker="w") is False
    assert (
        "unexpected error stopped this description (reference"
        in Description.objects.get(pk=description.pk).error
    )


def test_a_task_that_gives_up_records_why(item):
    description = DescriptionFactory(item=item, status=DescriptionStatus.RUNNING)

    DescribeItemTask().record_failure(OperationalError("gone"), (description.pk,), {})

    assert Description.objects.get(pk=description.pk).error.startswith("The database could not be reached")
    assert describe_item.name == "ai.describe_item" and describe_item.soft_time_limit == 60


def test_deltas_are_coalesced_and_each_carries_the_whole_text(item, sent):
    streamer = DeltaStreamer(DescriptionFactory(item=item))

    for word in ["Patent ", "filings ", "rose ", "sharply."]:
        streamer.add(word)  # within 100 ms: one delta goes out
    time.sleep(0.12)
    streamer.add(" Then")
    streamer.restart()  # a retry starts the answer again
    time.sleep(0.12)
    streamer.add("Again")

    deltas = [m["event"]["data"] for m in sent]
    assert [(d["offset"], d["text"]) for d in deltas] == [
        (0, "Patent "),
        (7, "Patent filings rose sharply. Then"),
        (0, "Again"),
    ]


def test_the_snapshot_carries_each_items_current_description(item, describe, settings):
    settings.AI_PROVIDER = "local"
    other = drawn_item(job=item.job, analysis_key="top_applicants")
    describe(item)

    items = {i["item"]: i for i in job_snapshot(job_id=item.job_id)["data"]["items"]}

    assert items[item.pk]["description"]["status"] == "SUCCESS"
    assert items[item.pk]["description"]["text"].startswith("The chart counts 46 documents")
    assert items[other.pk]["description"] is None
