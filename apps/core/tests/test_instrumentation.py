import logging
from types import SimpleNamespace

from celery import signals

from apps.core.instrumentation import note


class _Task:  # what the receivers read of a Celery task (signal senders must be hashable)
    name = "charts.render_item"
    request = SimpleNamespace(is_eager=True)


def _task():
    return _Task()


def test_a_tasks_log_line_carries_its_duration_statements_cpu_and_notes(caplog):
    task = _task()
    with caplog.at_level(logging.INFO, logger="intelli.tasks"):
        signals.task_prerun.send(sender=task, task_id="t-1", task=task, args=(7,), kwargs={})
        note(store_ms=1.5)
        signals.task_postrun.send(
            sender=task, task_id="t-1", task=task, args=(7,), kwargs={}, state="SUCCESS"
        )

    (line,) = [r.getMessage() for r in caplog.records if r.name == "intelli.tasks"]
    assert line.startswith("task charts.render_item[t-1] args=[7] state=SUCCESS duration_ms=")
    assert " sql=0 cpu_ms=" in line
    assert line.endswith(" store_ms=1.5")


def test_notes_outside_a_task_go_nowhere(caplog):
    note(store_ms=3.0)  # no error, nothing kept for the next task
    task = _task()
    with caplog.at_level(logging.INFO, logger="intelli.tasks"):
        signals.task_prerun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={})
        signals.task_postrun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={}, state="SUCCESS")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "intelli.tasks"]
    assert "store_ms" not in line


class _WorkerTask(_Task):
    request = SimpleNamespace(is_eager=False)


def test_a_connection_used_a_moment_ago_skips_the_health_check(transactional_db, monkeypatch):
    from django.db import connection

    from apps.core import instrumentation

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # kept between tasks (tests: 0)
    connection.close()
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)  # the `SELECT 1`
    task = _WorkerTask()

    def run(task_id: str) -> None:
        signals.task_prerun.send(sender=task, task_id=task_id, task=task, args=(), kwargs={})
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        signals.task_postrun.send(
            sender=task, task_id=task_id, task=task, args=(), kwargs={}, state="SUCCESS"
        )

    assert connection.health_check_enabled
    run("opens-the-connection")
    run("right-after")
    assert checks == []

    instrumentation._this_thread.last_task_ended -= instrumentation.HEALTH_CHECK_AFTER_IDLE_S
    run("after-a-pause")
    assert checks == [1]
