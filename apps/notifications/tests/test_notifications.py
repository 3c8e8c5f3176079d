"""Notifications: a finished job or report tells its owner in the app, live, and by email when enabled."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from rest_framework.test import APIClient

from apps.jobs.models import JobStatus
from apps.jobs.services import item_fail
from apps.jobs.tests.factories import job_with_items
from apps.notifications.models import Kind, Level, Notification
from apps.notifications.services import notification_create
from apps.notifications.tasks import send_notification_email

URL = "/api/v1/notifications/"


@pytest.fixture
def emails_sent_inline(monkeypatch):
    """The email task runs in-process (as a worker would run it) instead of going to the broker."""
    monkeypatch.setattr(send_notification_email, "delay", lambda pk: send_notification_email.apply(args=[pk]))


def fail_every_item(job) -> None:
    for item in job.items.all():
        item_fail(item_id=item.pk, error="The dataset has no inventors.")


@pytest.mark.django_db
class TestJobs:
    def test_a_failed_job_notifies_its_owner_in_the_app_and_by_email(
        self, settings, emails_sent_inline, django_capture_on_commit_callbacks
    ):
        settings.INTELLI_EMAIL_NOTIFICATIONS = True
        settings.INTELLI_PUBLIC_URL = "https://intelli.example.org"
        job = job_with_items(2, title="Graphene")
        with django_capture_on_commit_callbacks(execute=True):
            fail_every_item(job)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        notification = Notification.objects.get()
        assert (notification.user, notification.kind, notification.level) == (
            job.owner,
            Kind.JOB_FAILED,
            "error",
        )
        assert "Graphene" in notification.title and "no inventors" in notification.message
        assert notification.url == f"/api/v1/jobs/{job.pk}/"
        assert len(mail.outbox) == 1
        sent = mail.outbox[0]
        assert sent.to == [job.owner.email] and "Graphene" in sent.subject
        assert f"https://intelli.example.org/api/v1/jobs/{job.pk}/" in sent.body
        notification.refresh_from_db()
        assert notification.emailed_at is not None
        # A second delivery of the email task sends nothing more.
        send_notification_email.apply(args=[notification.pk])
        assert len(mail.outbox) == 1

    def test_no_email_unless_enabled_and_the_user_has_an_address(
        self, settings, emails_sent_inline, django_capture_on_commit_callbacks
    ):
        job = job_with_items(1)
        with django_capture_on_commit_callbacks(execute=True):
            fail_every_item(job)
        assert Notification.objects.count() == 1 and mail.outbox == []
        settings.INTELLI_EMAIL_NOTIFICATIONS = True
        job = job_with_items(1)
        job.owner.email = ""
        job.owner.save()
        with django_capture_on_commit_callbacks(execute=True):
            fail_every_item(job)
        assert Notification.objects.count() == 2 and mail.outbox == []

    def test_a_cancelled_job_is_not_notified(self, django_capture_on_commit_callbacks):
        from apps.jobs.services import job_cancel

        job = job_with_items(2)
        with django_capture_on_commit_callbacks(execute=True):
            job_cancel(job=job)
        assert not Notification.objects.exists()


@pytest.mark.django_db
class TestApi:
    def test_list_mark_one_and_all_read(self, api_client, user, other_user):
        mine = [
            notification_create(
                user=user,
                kind=Kind.JOB_SUCCEEDED,
                level=Level.SUCCESS,
                title=f"Job {n}",
                subject_type="job",
                subject_id=n,
            )
            for n in range(3)
        ]
        theirs = notification_create(
            user=other_user,
            kind=Kind.JOB_FAILED,
            level=Level.ERROR,
            title="Theirs",
            subject_type="job",
            subject_id=9,
        )
        listed = api_client.get(URL).json()
        assert listed["count"] == 3 and {r["title"] for r in listed["results"]} == {"Job 0", "Job 1", "Job 2"}
        read = api_client.post(f"{URL}{mine[0].pk}/read/").json()
        assert read["read"] and read["read_at"]
        assert api_client.get(URL, {"unread": "true"}).json()["count"] == 2
        assert api_client.post(f"{URL}read/", {"ids": [mine[1].pk]}, format="json").json() == {
            "marked": 1,
            "unread": 1,
        }
        assert api_client.post(f"{URL}read/", {}, format="json").json() == {"marked": 1, "unread": 0}
        assert api_client.post(f"{URL}{theirs.pk}/read/").status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None
        assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.django_db
def test_ids_past_any_row_are_invalid_input(api_client):
    """Found by fuzzing the API: an id past 64 bits overflowed in the query (a 500)."""
    response = api_client.post(f"{URL}read/", {"ids": [1, 10**22]}, format="json")

    assert response.status_code == 400
    assert (
        response.json()["error"]["code"] == "validation_error" and "ids" in response.json()["error"]["fields"]
    )


@pytest.mark.django_db(transaction=True)
async def test_a_notification_is_pushed_live_on_the_users_stream():
    from apps.accounts.tests.factories import UserFactory
    from config.asgi import application

    user = await database_sync_to_async(UserFactory)()
    socket = WebsocketCommunicator(application, "/ws/jobs/", headers=[(b"origin", b"http://127.0.0.1")])
    socket.scope["user"] = user
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert (await socket.receive_json_from(5))["type"] == "jobs.snapshot"
    notification = await database_sync_to_async(notification_create)(
        user=user,
        kind=Kind.REPORT_READY,
        level=Level.SUCCESS,
        title="Report ready",
        subject_type="report",
        subject_id=4,
        url="/api/v1/reports/4/",
    )
    message = await socket.receive_json_from(5)
    assert message["type"] == "notification" and message["v"] == 1 and message["seq"] is None
    assert message["data"]["id"] == notification.pk and message["data"]["title"] == "Report ready"
    assert message["data"]["read"] is False
    await socket.disconnect()
