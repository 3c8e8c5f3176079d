// Names for the generated OpenAPI types (src/api/schema.d.ts, from openapi.yml).
import type { components } from "./schema";

type S = components["schemas"];
export type User = S["User"];
export type Dataset = S["Dataset"];
export type DatasetDetail = S["DatasetDetail"];
export type Analysis = S["Analysis"];
export type Job = S["Job"];
export type JobDetail = S["JobDetail"];
export type JobCreate = S["JobCreateRequest"];
export type Item = S["Item"];
export type Description = S["Description"];
export type EventEnvelope = S["Event"];
export type EventPage = S["EventPage"];
export type DatasetRecords = S["DatasetRecords"];
export type DatasetRecord = S["DatasetRecord"];
export type RecordColumn = S["RecordColumnEnum"];
export type LibraryGroup = S["Group"];
export type LibraryTag = S["Tag"];
export type BulkAction = S["ActionEnum"];
export type BulkResult = S["BulkResult"];

export type JobStatus = S["JobStatusEnum"];
export type ItemStatus = S["ItemStatusEnum"];

export interface DatasetSummary {
  format?: string;
  format_label?: string;
  records?: number | null;
  record_level?: boolean;
  query?: string | null;
  year_range?: [number, number] | null;
  facets?: Record<string, { rows: number; total: number | null; truncated: boolean; source?: string }>;
  coverage?: Record<string, number>;
  warnings?: string[];
}

export interface AnalysisFeed {
  key: string;
  title: string;
  available: boolean;
  missing: string[];
  reason: string;
}

export interface Providers {
  default: string;
  available: string[];
  model: string;
  fallback_models: string[];
}

export const TERMINAL_JOB: ReadonlySet<string> = new Set(["SUCCESS", "PARTIAL_SUCCESS", "FAILED", "CANCELLED"]);
export const TERMINAL_ITEM: ReadonlySet<string> = new Set(["SUCCESS", "FAILED", "CANCELLED"]);

export const ARTIFACT_KINDS = ["png", "svg", "csv", "json"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export function artifactUrl(itemId: number, kind: ArtifactKind): string {
  return `/api/v1/items/${itemId}/artifacts/${kind}/`;
}

/** The wizard's picture of an analysis: drawn by the server from its built-in sample dataset. */
export function thumbnailUrl(key: string, version: number, lang: string): string {
  return `/api/v1/analyses/${encodeURIComponent(key)}/thumbnail.png?lang=${lang}&v=${version}`;
}
