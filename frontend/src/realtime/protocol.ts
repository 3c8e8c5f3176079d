// The real-time envelope (README, "Real-time protocol"), mirrored as a discriminated union.

export interface Envelope<T extends string, D> {
  type: T;
  v: number;
  job: number | null;
  seq: number | null;
  at: string;
  data: D;
  /** The trace id of the request or task that wrote the event (also in the server's logs). */
  trace?: string | null;
}

export interface JobSummary {
  id: number;
  title: string;
  status: string;
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  progress: number;
}

export interface DescriptionState {
  item: number;
  description: number;
  generation: number;
  status: string;
  provider: string;
  model: string;
  language: string;
  error: string;
  text?: string;
  ai_text?: string;
  edited?: boolean;
  tokens_in?: number | null;
  tokens_out?: number | null;
  latency_ms?: number | null;
  cost_usd?: number | null;
}

export interface ReportState {
  report: number;
  job: number | null;
  title: string;
  status: string;
  progress: number;
  stage: string;
  error: string;
  files: Record<string, string>;
}

export interface ItemState {
  item: number;
  position: number;
  analysis: string;
  status: string;
  progress: number;
  error: string;
  attempts: number;
}

export interface ItemSnapshot extends ItemState {
  artifacts: Record<string, string>;
  duration_ms: number | null;
  description: DescriptionState | null;
}

export type ServerEvent =
  | Envelope<
      "job.snapshot",
      {
        job: JobSummary & { dataset: { id: number; name: string } };
        items: ItemSnapshot[];
        replay_truncated: boolean;
      }
    >
  | Envelope<"job.status", { status: string; previous: string }>
  | Envelope<"job.finished", JobSummary>
  | Envelope<"item.status", ItemState>
  | Envelope<"item.progress", { item: number; progress: number; stage?: string }>
  | Envelope<"item.artifact", { item: number; artifacts: Record<string, boolean> }>
  | Envelope<"description.status", DescriptionState>
  | Envelope<"description.delta", { item: number; description: number; generation: number; offset: number; text: string }>
  | Envelope<"description.done", DescriptionState>
  | Envelope<"description.edited", DescriptionState>
  | Envelope<"report.status", ReportState>
  | Envelope<"report.progress", { report: number; progress: number; stage: string }>
  | Envelope<"log", { level: string; message: string }>
  | Envelope<"error", { code: string; message: string }>
  | Envelope<"pong", Record<string, never>>;

export type JobsListEvent =
  | Envelope<"jobs.snapshot", { jobs: JobSummary[] }>
  | Envelope<"job.updated", JobSummary>;

export type ClientMessage = { action: "resume"; after_seq: number } | { action: "ping" };
