"""PostgreSQL only: a chart's claim and its success, each one round trip.

Every chart takes these two steps. Done from Python, each is a transaction of several statements:
BEGIN, the item's update, the job's, the events' insert and COMMIT, each a round trip, ten a chart,
with a server parsing and planning every statement on the cores the charts are drawing on
(bench/orchestration.py: ~1.2 ms of waiting and 1.6 ms of server CPU a chart). Each function here
does one step's statements in the order the Python path does them (apps.jobs.services,
`_claim_statements` and `_succeed_statements`, which SQLite keeps running) and is called as one
statement in autocommit: one round trip, plans the server caches per session.

The status names are `ItemStatus` and `JobStatus`; the events' data are those of `item_state` and
`job_summary` (apps.jobs.events). A change to either is a new migration that replaces these.
"""

from django.db import migrations

CLAIM = """
CREATE OR REPLACE FUNCTION intelli_item_claim(
    p_item bigint, p_claim text, p_worker text, p_now timestamptz, p_max_attempts integer, p_trace text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_item jobs_imagetask%ROWTYPE;
    v_job jobs_job%ROWTYPE;
    v_previous text;
    v_prefix text;
    v_aliases jsonb;
    v_events jsonb;
BEGIN
    UPDATE jobs_imagetask
       SET status = 'RUNNING', worker = p_worker, attempts = attempts + 1, started_at = p_now, progress = 0
     WHERE id = p_item AND claim_id = p_claim AND status IN ('PENDING', 'RUNNING')
       AND attempts < p_max_attempts
    RETURNING * INTO v_item;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- The job's row lock, held to commit, makes its event numbers commit in order.
    SELECT status INTO v_previous FROM jobs_job WHERE id = v_item.job_id FOR UPDATE;
    UPDATE jobs_job
       SET status = CASE WHEN v_previous = 'PENDING' THEN 'RUNNING' ELSE status END,
           started_at = CASE WHEN v_previous = 'PENDING' THEN p_now ELSE started_at END,
           event_seq = event_seq + CASE WHEN v_previous = 'PENDING' THEN 2 ELSE 1 END
     WHERE id = v_item.job_id
    RETURNING * INTO v_job;
    WITH new_events (item_id, seq, type, data) AS (
        SELECT NULL::bigint, v_job.event_seq - 1, 'job.status',
               jsonb_build_object('status', 'RUNNING', 'previous', 'PENDING')
         WHERE v_previous = 'PENDING'
        UNION ALL
        SELECT v_item.id, v_job.event_seq, 'item.status',
               jsonb_build_object(
                   'item', v_item.id, 'position', v_item.position, 'analysis', v_item.analysis_key,
                   'status', 'RUNNING', 'progress', 0, 'error', '', 'attempts', v_item.attempts)
    ), inserted AS (
        INSERT INTO jobs_jobevent (job_id, item_id, seq, type, data, trace_id, created_at)
        SELECT v_job.id, item_id, seq, type, data, p_trace, p_now FROM new_events
        RETURNING item_id, seq, type, data
    )
    SELECT jsonb_agg(jsonb_build_object('item', item_id, 'seq', seq, 'type', type, 'data', data) ORDER BY seq)
      INTO v_events FROM inserted;
    SELECT canonical_prefix, applicant_aliases INTO v_prefix, v_aliases
      FROM datasets_dataset WHERE id = v_job.dataset_id;
    RETURN jsonb_build_object(
        'item', jsonb_build_object(
            'position', v_item.position, 'analysis_key', v_item.analysis_key,
            'analysis_version', v_item.analysis_version, 'params', v_item.params,
            'attempts', v_item.attempts),
        'job', jsonb_build_object(
            'id', v_job.id, 'created_at', v_job.created_at, 'status', v_job.status,
            'total', v_job.total, 'succeeded', v_job.succeeded, 'failed', v_job.failed,
            'cancelled', v_job.cancelled, 'event_seq', v_job.event_seq,
            'canonical_prefix', v_prefix, 'applicant_aliases', v_aliases),
        'events', v_events);
END;
$$;
"""

SUCCEED = """
CREATE OR REPLACE FUNCTION intelli_item_succeed(
    p_item bigint, p_claim text, p_now timestamptz, p_timings jsonb,
    p_png text, p_svg text, p_data_csv text, p_data_json text, p_events jsonb, p_trace text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_job_id bigint;
    v_job jobs_job%ROWTYPE;
    v_final text;
    v_events jsonb := p_events;
    v_inserted jsonb;
BEGIN
    UPDATE jobs_imagetask
       SET status = 'SUCCESS', progress = 100, finished_at = p_now, timings = p_timings, error = '',
           png = COALESCE(p_png, png), svg = COALESCE(p_svg, svg),
           data_csv = COALESCE(p_data_csv, data_csv), data_json = COALESCE(p_data_json, data_json)
     WHERE id = p_item AND status = 'RUNNING' AND claim_id = p_claim
    RETURNING job_id INTO v_job_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- Counts the item and takes the job's row lock to commit: two finishing items serialise here,
    -- and exactly one of them sees the job's last item counted.
    UPDATE jobs_job SET succeeded = succeeded + 1, event_seq = event_seq + jsonb_array_length(p_events)
     WHERE id = v_job_id
    RETURNING * INTO v_job;
    IF v_job.succeeded + v_job.failed + v_job.cancelled = v_job.total
       AND v_job.status IN ('PENDING', 'RUNNING') THEN
        v_final := CASE WHEN v_job.cancel_requested_at IS NOT NULL THEN 'CANCELLED'
                        WHEN v_job.succeeded = v_job.total THEN 'SUCCESS'
                        ELSE 'PARTIAL_SUCCESS' END;
        v_events := v_events || jsonb_build_array(
            jsonb_build_object('type', 'job.status',
                               'data', jsonb_build_object('status', v_final, 'previous', v_job.status)),
            jsonb_build_object('type', 'job.finished', 'data', jsonb_build_object(
                'id', v_job.id, 'title', v_job.title, 'status', v_final, 'total', v_job.total,
                'succeeded', v_job.succeeded, 'failed', v_job.failed, 'cancelled', v_job.cancelled,
                'progress', 1.0)));
        UPDATE jobs_job SET status = v_final, finished_at = p_now, event_seq = event_seq + 2
         WHERE id = v_job_id
        RETURNING * INTO v_job;
    END IF;
    WITH inserted AS (
        INSERT INTO jobs_jobevent (job_id, item_id, seq, type, data, trace_id, created_at)
        SELECT v_job_id, (e.value ->> 'item')::bigint,
               v_job.event_seq - jsonb_array_length(v_events) + e.ordinality,
               e.value ->> 'type', e.value -> 'data', p_trace, p_now
          FROM jsonb_array_elements(v_events) WITH ORDINALITY AS e
        RETURNING item_id, seq, type, data
    )
    SELECT jsonb_agg(jsonb_build_object('item', item_id, 'seq', seq, 'type', type, 'data', data) ORDER BY seq)
      INTO v_inserted FROM inserted;
    RETURN jsonb_build_object(
        'job', jsonb_build_object(
            'status', v_job.status, 'total', v_job.total, 'succeeded', v_job.succeeded,
            'failed', v_job.failed, 'cancelled', v_job.cancelled, 'event_seq', v_job.event_seq),
        'ended', v_final,
        'events', v_inserted);
END;
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS intelli_item_claim(bigint, text, text, timestamptz, integer, text);
DROP FUNCTION IF EXISTS intelli_item_succeed(
    bigint, text, timestamptz, jsonb, text, text, text, text, jsonb, text);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLAIM, params=None)
        schema_editor.execute(SUCCEED, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_jobevent_trace_id"),
        ("datasets", "0003_dataset_source_url"),
    ]

    operations = [migrations.RunPython(create, drop)]
