import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { EventPage } from "../api/types";
import { backfillLog, initialJobState, jobReducer, type JobViewState } from "./jobReducer";
import { initialJobsState, jobsReducer, type JobsState } from "./jobsReducer";
import type { JobsListEvent, ServerEvent } from "./protocol";
import { LiveSocket, type ConnectionState } from "./socket";

export interface Connection {
  state: ConnectionState;
  retryInMs: number | null;
  attempt: number;
  code?: number;
}

const initialConnection: Connection = { state: "connecting", retryInMs: null, attempt: 0 };

/**
 * Follow one job live. Messages are applied to a state held outside React as they arrive (so the
 * resume point is always exact) and rendered at most once per animation frame, so bursts of
 * events cost one render per frame, not one per event.
 */
export function useJobStream(jobId: number): { state: JobViewState; connection: Connection } {
  const [state, setState] = useState<JobViewState>(initialJobState);
  const [connection, setConnection] = useState<Connection>(initialConnection);
  const queryClient = useQueryClient();
  const ref = useRef<JobViewState>(initialJobState);

  useEffect(() => {
    ref.current = initialJobState;
    setState(initialJobState);
    let frame: number | null = null;
    let askedFor = -1;
    let alive = true;
    const render = () => {
      frame = null;
      setState(ref.current);
    };
    const schedule = () => {
      if (frame === null) frame = requestAnimationFrame(render);
    };
    const backfill = async (after: number) => {
      // The server said the gap was too old to replay: read the history over REST, once.
      let cursor = after;
      for (let page = 0; page < 10 && alive; page += 1) {
        const body = await api<EventPage>(`jobs/${jobId}/events/?after_seq=${cursor}`).catch(() => null);
        if (!body || !alive) return;
        ref.current = backfillLog(ref.current, body.events as unknown as ServerEvent[]);
        schedule();
        if (!body.has_more) return;
        cursor = body.last_seq;
      }
    };
    const socket = new LiveSocket<ServerEvent>({
      path: `/ws/jobs/${jobId}/`,
      resumeFrom: () => (ref.current.ready ? ref.current.lastSeq : null),
      onEvent: (event) => {
        const before = ref.current;
        const next = jobReducer(before, event);
        ref.current = next;
        if (event.type === "job.snapshot" && event.data.replay_truncated) {
          void queryClient.invalidateQueries({ queryKey: ["job", jobId] });
          void backfill(before.logSeq);
        } else if (event.type === "job.snapshot" && before.snapshots === 0 && (event.seq ?? 0) > 0) {
          void backfill(0); // the history from before this page was opened, read once
        }
        if (next.gap && next.lastSeq !== askedFor) {
          askedFor = next.lastSeq;
          socket.send({ action: "resume", after_seq: next.lastSeq });
        }
        if (next !== before) schedule();
      },
      onStateChange: (s, info) => setConnection({ state: s, retryInMs: info.retryInMs, attempt: info.attempt, code: info.code }),
    }).start();
    const online = () => socket.reconnectNow();
    window.addEventListener("online", online);
    return () => {
      alive = false;
      window.removeEventListener("online", online);
      if (frame !== null) cancelAnimationFrame(frame);
      socket.stop();
    };
  }, [jobId, queryClient]);

  return { state, connection };
}

export function useJobsStream(enabled = true): { state: JobsState; connection: Connection } {
  const [state, setState] = useState<JobsState>(initialJobsState);
  const [connection, setConnection] = useState<Connection>(initialConnection);
  useEffect(() => {
    if (!enabled) return undefined;
    let current = initialJobsState;
    const socket = new LiveSocket<JobsListEvent>({
      path: "/ws/jobs/",
      onEvent: (event) => {
        current = jobsReducer(current, event);
        setState(current);
      },
      onStateChange: (s, info) => setConnection({ state: s, retryInMs: info.retryInMs, attempt: info.attempt, code: info.code }),
    }).start();
    const online = () => socket.reconnectNow();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      socket.stop();
    };
  }, [enabled]);
  return { state, connection };
}
