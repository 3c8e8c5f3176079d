// /api/v1/system/ (staff): the operations endpoint. Its shape is read defensively: the page shows
// what it finds and says so when the endpoint is absent (older servers) or refuses (non-staff).
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "./client";

export interface QueueHealth {
  name: string;
  workers: number | null;
  depth: number | null;
  oldestAgeS: number | null;
  ok: boolean | null;
}

export interface CheckRow {
  name: string;
  ok: boolean | null;
  detail: string;
}

export interface SystemHealth {
  ok: boolean | null;
  checks: CheckRow[];
  queues: QueueHealth[];
  eager: boolean | null;
  failures: { id?: number; at?: string; message: string; job?: number | null; item?: number | null }[];
  raw: unknown;
}

type Json = Record<string, unknown>;

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function bool(value: unknown): boolean | null {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return ["ok", "pass", "passed", "up", "healthy"].includes(value.toLowerCase()) ? true : ["fail", "failed", "down", "error", "critical"].includes(value.toLowerCase()) ? false : null;
  return null;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function workersOf(value: unknown): number | null {
  if (Array.isArray(value)) return value.length;
  return num(value);
}

export function parseQueues(value: unknown): QueueHealth[] {
  const rows: [string, Json][] = Array.isArray(value)
    ? (value as Json[]).map((q) => [text(q.name ?? q.queue), q])
    : value && typeof value === "object"
      ? Object.entries(value as Record<string, Json>).map(([k, v]) => [k, (v && typeof v === "object" ? v : { depth: v }) as Json])
      : [];
  return rows.map(([name, q]) => ({
    name,
    workers: workersOf(q.workers ?? q.worker_count ?? q.consumers),
    depth: num(q.depth ?? q.messages ?? q.queue_depth ?? q.length),
    oldestAgeS: num(q.oldest_age_s ?? q.oldest_message_age_s ?? q.oldest_age ?? q.age_s),
    ok: bool(q.ok ?? q.status),
  }));
}

export function parseSystem(body: unknown): SystemHealth {
  const root = (body && typeof body === "object" ? body : {}) as Json;
  const rawChecks = root.checks;
  let checks: CheckRow[] = [];
  if (Array.isArray(rawChecks)) {
    checks = (rawChecks as Json[]).map((c) => {
      const summary = text(c.summary ?? c.detail ?? c.message ?? c.error ?? "");
      const hint = text(c.hint ?? "");
      return { name: text(c.name ?? c.check ?? c.key), ok: bool(c.ok ?? c.status ?? c.passed), detail: hint ? `${summary} — ${hint}` : summary };
    });
  } else if (rawChecks && typeof rawChecks === "object") {
    checks = Object.entries(rawChecks as Record<string, unknown>).map(([name, c]) => {
      const obj = (c && typeof c === "object" ? c : { ok: c }) as Json;
      return { name, ok: bool(obj.ok ?? obj.status ?? obj.passed), detail: text(obj.detail ?? obj.message ?? obj.error ?? "") };
    });
  }
  const queueSource = root.queues ?? (rawChecks && typeof rawChecks === "object" && !Array.isArray(rawChecks) ? (rawChecks as Json).queues ?? (rawChecks as Json).workers : undefined);
  const eagerRaw = root.eager ?? root.eager_mode ?? root.always_eager;
  let eager = typeof eagerRaw === "object" && eagerRaw !== null ? bool((eagerRaw as Json).enabled ?? (eagerRaw as Json).on) : bool(eagerRaw);
  const eagerCheck = checks.find((c) => c.name === "eager_mode");
  if (eager === null && eagerCheck && eagerCheck.ok !== null) eager = !eagerCheck.ok; // the check passes when eager mode is off
  const failuresRaw = root.recent_failures ?? root.failures;
  const failures = Array.isArray(failuresRaw)
    ? (failuresRaw as Json[]).map((f) => ({
        id: num(f.id) ?? undefined,
        at: text(f.at ?? f.finished_at ?? f.created_at) || undefined,
        message: [text(f.analysis), text(f.error ?? f.message ?? f.reason)].filter(Boolean).join(": "),
        job: num(f.job ?? f.job_id),
        item: num(f.item ?? f.item_id),
      }))
    : [];
  return { ok: bool(root.ok ?? root.status), checks, queues: parseQueues(queueSource), eager, failures, raw: body };
}

export type SystemResult = { available: true; health: SystemHealth } | { available: false; reason: "absent" | "forbidden" };

export function useSystem(enabled: boolean) {
  return useQuery<SystemResult>({
    queryKey: ["system"],
    enabled,
    refetchInterval: 10_000, // a health view, not a job: there is no socket for it
    queryFn: async () => {
      try {
        return { available: true, health: parseSystem(await api<unknown>("system/")) };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return { available: false, reason: "absent" };
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return { available: false, reason: "forbidden" };
        if (error instanceof ApiError && error.status === 503) {
          return { available: true, health: { ...parseSystem(null), ok: false } };
        }
        throw error;
      }
    },
  });
}
