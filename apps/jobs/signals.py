"""Signals other apps listen to, so apps.jobs never imports them.

`job_finished` is sent once per job, after the transaction that gave the job its terminal
status commits (the finishing item's, never a user's cancel): kwargs `job_id` and `status`.
Receivers run in the worker that finished the job; they must be quick (queue anything slow) and
are called robustly: a failing receiver is logged, never undoes the job.
"""

from django.dispatch import Signal

job_finished = Signal()
