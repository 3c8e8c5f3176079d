// The live job view's state: a pure reducer over the real-time protocol.
//
// A snapshot replaces the state and stamps it with the last sequence number it reflects; persisted
// events (seq != null) apply exactly once and in order: a duplicate (seq <= lastSeq) changes nothing,
// one that arrives early is held until the events before it have arrived. Transient hints
// (seq == null: progress, description text as it is written) apply on top and are superseded by the
// next persisted event. The activity log keeps every persisted event once, across snapshots.
import type { DescriptionState, ItemSnapshot, JobSummary, ReportState, ServerEvent } from "./protocol";

export const LOG_LIMIT = 5000;

export interface ItemView {
  id: number;
  position: number;
  analysis: string;
  status: string;
  progress: number;
  stage: string;
  error: string;
  attempts: number;
  artifacts: Record<string, string>;
  durationMs: number | null;
  description: (DescriptionState & { streaming?: boolean }) | null;
}

export interface LogEntry {
  seq: number;
  at: string;
  type: string;
  item: number | null;
  data: Record<string, unknown>;
}

export interface JobViewState {
  ready: boolean;
  lastSeq: number;
  job: (JobSummary & { dataset?: { id: number; name: string } }) | null;
  items: ItemView[];
  index: Record<number, number>; // item id -> position in `items`
  log: LogEntry[];
  logSeq: number; // the highest seq in the log
  pending: Record<number, ServerEvent>; // persisted events that arrived ahead of a missing one
  gap: boolean; // events are missing between lastSeq and what is pending: ask for a resume
  truncated: boolean; // the last snapshot said the history was too long to replay
  snapshots: number;
  reports: Record<number, ReportState>; // report packs (ZIP, PDF, PPTX) of this job, as they are built
}

export const initialJobState: JobViewState = {
  ready: false,
  lastSeq: 0,
  job: null,
  items: [],
  index: {},
  log: [],
  logSeq: 0,
  pending: {},
  gap: false,
  truncated: false,
  snapshots: 0,
  reports: {},
};

const ARTIFACT_NAMES: Record<string, string> = { png: "png", svg: "svg", data_csv: "csv", data_json: "json" };

function itemFromSnapshot(s: ItemSnapshot): ItemView {
  return {
    id: s.item,
    position: s.position,
    analysis: s.analysis,
    status: s.status,
    progress: s.progress,
    stage: "",
    error: s.error,
    attempts: s.attempts,
    artifacts: s.artifacts ?? {},
    durationMs: s.duration_ms,
    description: s.description ?? null,
  };
}

const COUNTED: Record<string, "succeeded" | "failed" | "cancelled"> = {
  SUCCESS: "succeeded",
  FAILED: "failed",
  CANCELLED: "cancelled",
};

function recount(job: JobViewState["job"], before: string, after: string): JobViewState["job"] {
  if (!job || before === after) return job;
  const next = { ...job };
  const b = COUNTED[before];
  const a = COUNTED[after];
  if (b) next[b] = Math.max(0, next[b] - 1);
  if (a) next[a] += 1;
  const done = next.succeeded + next.failed + next.cancelled;
  next.progress = next.total ? Math.round((done / next.total) * 1000) / 10 : 0;
  return next;
}

function updateItem(state: JobViewState, id: number, change: (item: ItemView) => ItemView): JobViewState {
  const at = state.index[id];
  if (at === undefined) return state;
  const current = state.items[at];
  if (!current) return state;
  const updated = change(current);
  if (updated === current) return state;
  const items = state.items.slice();
  items[at] = updated;
  let job = state.job;
  if (updated.status !== current.status) job = recount(job, current.status, updated.status);
  return { ...state, items, job };
}

function appendLog(state: JobViewState, event: ServerEvent): JobViewState {
  if (event.seq === null || event.seq <= state.logSeq) return state;
  const data = event.data as Record<string, unknown>;
  const entry: LogEntry = {
    seq: event.seq,
    at: event.at,
    type: event.type,
    item: typeof data.item === "number" ? data.item : null,
    data,
  };
  const log = state.log.length >= LOG_LIMIT ? [...state.log.slice(-LOG_LIMIT + 1), entry] : [...state.log, entry];
  return { ...state, log, logSeq: event.seq };
}

function applyDescription(
  item: ItemView,
  d: DescriptionState,
  kind: "status" | "done" | "edited",
): ItemView {
  const current = item.description;
  if (current && d.generation < current.generation) return item; // an older generation: superseded
  const sameOne = current && current.description === d.description;
  const text = d.text ?? (sameOne ? current.text : "") ?? "";
  return { ...item, description: { ...(sameOne ? current : {}), ...d, text, streaming: kind === "status" && d.status === "RUNNING" } };
}

/** Apply one persisted event whose turn has come (seq === lastSeq + 1). */
function applyPersisted(state: JobViewState, event: ServerEvent): JobViewState {
  let next: JobViewState = { ...state, lastSeq: event.seq ?? state.lastSeq };
  switch (event.type) {
    case "job.status":
      if (next.job) next = { ...next, job: { ...next.job, status: event.data.status } };
      break;
    case "job.finished":
      if (next.job) next = { ...next, job: { ...next.job, ...event.data } };
      break;
    case "item.status": {
      const d = event.data;
      next = updateItem(next, d.item, (item) => ({
        ...item,
        status: d.status,
        progress: d.progress,
        error: d.error,
        attempts: d.attempts,
        stage: d.status === "RUNNING" ? item.stage : "",
        // A retried chart loses its files until it is drawn again.
        artifacts: d.status === "PENDING" || d.status === "RUNNING" ? {} : item.artifacts,
      }));
      break;
    }
    case "item.artifact": {
      const d = event.data;
      next = updateItem(next, d.item, (item) => {
        const artifacts: Record<string, string> = {};
        for (const [name, present] of Object.entries(d.artifacts)) {
          const kind = ARTIFACT_NAMES[name] ?? name;
          if (present) artifacts[kind] = `/api/v1/items/${d.item}/artifacts/${kind}/`;
        }
        return { ...item, artifacts };
      });
      break;
    }
    case "description.status":
      next = updateItem(next, event.data.item, (item) => applyDescription(item, event.data, "status"));
      break;
    case "description.done":
      next = updateItem(next, event.data.item, (item) => applyDescription(item, event.data, "done"));
      break;
    case "description.edited":
      next = updateItem(next, event.data.item, (item) => applyDescription(item, event.data, "edited"));
      break;
    case "report.status":
      next = { ...next, reports: { ...next.reports, [event.data.report]: event.data } };
      break;
    default:
      break; // log, and types this client does not know: kept in the log only
  }
  return appendLog(next, event);
}

function applyTransient(state: JobViewState, event: ServerEvent): JobViewState {
  switch (event.type) {
    case "item.progress": {
      const d = event.data;
      return updateItem(state, d.item, (item) =>
        item.status === "RUNNING" && d.progress >= item.progress
          ? { ...item, progress: d.progress, stage: d.stage ?? item.stage }
          : item,
      );
    }
    case "description.delta": {
      const d = event.data;
      return updateItem(state, d.item, (item) => {
        const current = item.description;
        if (current && (d.generation < current.generation || (current.description === d.description && !current.streaming && current.status === "SUCCESS"))) {
          return item; // late text of an older or finished description
        }
        const base: DescriptionState = current && current.description === d.description
          ? current
          : { item: d.item, description: d.description, generation: d.generation, status: "RUNNING", provider: "", model: "", language: "", error: "" };
        return { ...item, description: { ...base, status: "RUNNING", text: d.text, streaming: true } };
      });
    }
    case "report.progress": {
      const current = state.reports[event.data.report];
      if (!current || current.status === "SUCCESS" || current.status === "FAILED") return state;
      return { ...state, reports: { ...state.reports, [event.data.report]: { ...current, status: "RUNNING", progress: event.data.progress, stage: event.data.stage } } };
    }
    default:
      return state;
  }
}

function drain(state: JobViewState): JobViewState {
  let next = state;
  let event = next.pending[next.lastSeq + 1];
  while (event) {
    const pending = { ...next.pending };
    delete pending[next.lastSeq + 1];
    next = applyPersisted({ ...next, pending }, event);
    event = next.pending[next.lastSeq + 1];
  }
  const gap = Object.keys(next.pending).length > 0;
  return gap === next.gap ? next : { ...next, gap };
}

export function jobReducer(state: JobViewState, event: ServerEvent): JobViewState {
  if (event.type === "job.snapshot") {
    const seq = event.seq ?? 0;
    if (state.ready && seq < state.lastSeq) return state; // an older snapshot than what we show
    const items = [...event.data.items].sort((a, b) => a.position - b.position).map(itemFromSnapshot);
    const index: Record<number, number> = {};
    items.forEach((item, i) => {
      index[item.id] = i;
    });
    const pending: Record<number, ServerEvent> = {};
    for (const [key, value] of Object.entries(state.pending)) if (Number(key) > seq) pending[Number(key)] = value;
    return drain({
      ...state,
      ready: true,
      lastSeq: seq,
      job: event.data.job,
      items,
      index,
      pending,
      gap: false,
      truncated: event.data.replay_truncated,
      snapshots: state.snapshots + 1,
    });
  }
  if (event.seq === null || event.seq === undefined) {
    return state.ready ? applyTransient(state, event) : state;
  }
  if (!state.ready) {
    // Before the first snapshot: hold it; the snapshot decides whether it is already reflected.
    return { ...state, pending: { ...state.pending, [event.seq]: event } };
  }
  if (event.seq <= state.lastSeq) {
    // Already reflected (a replay after a snapshot, or a duplicate): only the log may lack it.
    return appendLog(state, event);
  }
  if (event.seq > state.lastSeq + 1) {
    return { ...state, pending: { ...state.pending, [event.seq]: event }, gap: true };
  }
  return drain(applyPersisted(state, event));
}

/** Apply a batch (one animation frame's worth of messages) in one state change. */
export function jobReducerMany(state: JobViewState, events: readonly ServerEvent[]): JobViewState {
  let next = state;
  for (const event of events) next = jobReducer(next, event);
  return next;
}

export function countsOf(state: JobViewState): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const item of state.items) {
    if (item.status === "RUNNING") running += 1;
    else if (item.status === "PENDING") pending += 1;
  }
  return { running, pending };
}

/** Merge events read over REST (after a truncated replay) into the log, in order, once each. */
export function backfillLog(state: JobViewState, events: readonly ServerEvent[]): JobViewState {
  const have = new Set(state.log.map((e) => e.seq));
  const added: LogEntry[] = [];
  for (const event of events) {
    if (event.seq === null || have.has(event.seq)) continue;
    const data = event.data as Record<string, unknown>;
    added.push({ seq: event.seq, at: event.at, type: event.type, item: typeof data.item === "number" ? data.item : null, data });
    have.add(event.seq);
  }
  if (!added.length) return state;
  const log = [...state.log, ...added].sort((a, b) => a.seq - b.seq).slice(-LOG_LIMIT);
  return { ...state, log, logSeq: Math.max(state.logSeq, log[log.length - 1]?.seq ?? 0) };
}
