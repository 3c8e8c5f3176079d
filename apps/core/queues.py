"""The three Celery queues, named once, with the worker profile each one runs with.

Figures come from the operations guide this project grew from:

| queue          | work                                     | concurrency | prefetch | acks_late | limit |
|----------------|------------------------------------------|-------------|----------|-----------|-------|
| ingestion_io   | I/O: HTTP fetches, file reads, parsing   | 4           | 4        | False     | 60 s  |
| charts_cpu     | CPU: analyses and matplotlib rendering   | 2           | 1        | True      | 120 s |
| ai             | I/O: model API calls, with retries       | 2 (guide)   | 1        | True      | 60 s  |
|                | here: one process, a pool of 8 threads   | 8 threads   |          |           |       |

The limit in the table is the one users see ("took longer than 120 s"): it is the *soft* limit,
which raises inside the task so it can record a clear reason and clean up. The hard limit, which
kills the process, sits a grace period above it.

The `ai` queue departs from the guide on purpose. The guide gave it 2 prefork processes; a
description spends nearly all its time waiting for the model's HTTP answer (5-20 s), so two
processes would leave the shared rate limit (60 requests a minute by default) mostly unused while
each process holds ~100 MB of Django for a socket wait. It runs one process with a pool of 8
threads instead: 8 calls in flight for the memory of one process, and the Redis rate limit, not the
pool, sets the pace. Celery's time limits need a process per task (a signal), so threads ignore
them: the describe code enforces its own per-call timeout and total deadline (AI_CALL_TIMEOUT_S,
AI_DEADLINE_S, kept below the 60 s declared here), and the declared limits still apply if the
queue is ever served by a prefork worker.
"""

from dataclasses import dataclass
from enum import StrEnum

HARD_LIMIT_GRACE_S = 15


class Queue(StrEnum):
    INGESTION_IO = "ingestion_io"
    CHARTS_CPU = "charts_cpu"
    AI = "ai"


@dataclass(frozen=True)
class QueueProfile:
    queue: Queue
    concurrency: int
    prefetch_multiplier: int
    acks_late: bool
    time_limit: int  # seconds; the soft limit
    pool: str | None = None  # Celery pool; None = the platform's default (prefork, solo on Windows)

    @property
    def soft_time_limit(self) -> int:
        return self.time_limit

    @property
    def hard_time_limit(self) -> int:
        return self.time_limit + HARD_LIMIT_GRACE_S

    def task_options(self) -> dict:
        """Options every task of this queue declares on itself.

        They go on the task decorator, not in `task_annotations`: annotations match task names
        exactly (no globs), which is how the original project silently lost its AI time limits.
        """
        options: dict = {
            # Read by the router in config/celery.py. (Celery's own `queue` task attribute is
            # deprecated in favour of task_routes; the task still declares where it runs.)
            "declared_queue": self.queue.value,
            "acks_late": self.acks_late,
            "soft_time_limit": self.soft_time_limit,
            "time_limit": self.hard_time_limit,
        }
        if self.acks_late:
            # A worker process that dies mid-task (OOM, SIGKILL) puts the message back so
            # another process runs it; the item's claim makes the rerun safe.
            options["reject_on_worker_lost"] = True
        return options


QUEUE_PROFILES: dict[Queue, QueueProfile] = {
    Queue.INGESTION_IO: QueueProfile(Queue.INGESTION_IO, 4, 4, False, 60),
    Queue.CHARTS_CPU: QueueProfile(Queue.CHARTS_CPU, 2, 1, True, 120),
    Queue.AI: QueueProfile(Queue.AI, 8, 1, True, 60, pool="threads"),  # I/O waits: see the docstring
}


def task_options(queue: Queue) -> dict:
    return QUEUE_PROFILES[queue].task_options()


def worker_argv(queue: Queue, *, python: str, hostname: str, concurrency: int | None = None) -> list[str]:
    """The command that runs one worker on `queue` with that queue's profile."""
    profile = QUEUE_PROFILES[queue]
    pool = ["--pool", profile.pool] if profile.pool else []
    return [
        python, "-m", "celery", "-A", "config", "worker", "-Q", queue.value, "-n", hostname,
        *pool,
        "--concurrency", str(concurrency or profile.concurrency),
        "--prefetch-multiplier", str(profile.prefetch_multiplier),
        "--loglevel", "INFO",
    ]  # fmt: skip
