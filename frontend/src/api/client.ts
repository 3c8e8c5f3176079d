// One fetch wrapper for the REST API: same origin, session cookie, CSRF header on writes, and the
// API's single error shape ({"error": {"code", "message", "fields"}}) turned into ApiError.

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, unknown> };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, unknown>;

  constructor(status: number, code: string, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

export async function ensureCsrf(): Promise<void> {
  if (!csrfToken()) await fetch("/api/v1/auth/csrf/", { credentials: "same-origin" });
}

export function fieldMessages(fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const list = Array.isArray(value) ? value : [value];
    for (const entry of list) {
      if (typeof entry === "string") out.push(`${key}: ${entry}`);
      else if (entry && typeof entry === "object") {
        out.push(...fieldMessages(entry as Record<string, unknown>).map((m) => `${key}.${m}`));
      }
    }
  }
  return out;
}

export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as ErrorBody | null)?.error;
  if (error) return new ApiError(response.status, error.code, error.message, error.fields ?? {});
  return new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body: BodyInit | undefined;
  if (method !== "GET") {
    await ensureCsrf();
    headers["X-CSRFToken"] = csrfToken();
  }
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const url = path.startsWith("/") ? path : `/api/v1/${path}`;
  const response = await fetch(url, {
    method,
    headers,
    body,
    credentials: "same-origin",
    signal: options.signal,
  });
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The list endpoints use limit/offset pagination. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** Every page of a list endpoint, up to `max` rows (the Library reads every chart this way). */
export async function apiAll<T>(path: string, max = 1000): Promise<T[]> {
  const rows: T[] = [];
  let next: string | null = path;
  while (next && rows.length < max) {
    const page: Page<T> = await api<Page<T>>(next);
    rows.push(...page.results);
    next = page.next ? new URL(page.next, window.location.origin).pathname + new URL(page.next, window.location.origin).search : null;
  }
  return rows;
}
