import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useAnalyses } from "../api/hooks";
import { TERMINAL_JOB } from "../api/types";
import { Card, ConnectionBadge, ErrorBox, ProgressBar, RetryingImage, Spinner, StatusBadge } from "../components/ui";
import { useI18n, type Translate } from "../i18n";
import { useJobStream } from "../realtime/hooks";
import { countsOf, type ItemView, type LogEntry } from "../realtime/jobReducer";
import type { ReportState } from "../realtime/protocol";

const CARD_MIN_WIDTH = 240;
const CARD_HEIGHT = 300;

export const ItemCard = memo(function ItemCard({
  item,
  title,
  onRetry,
}: {
  item: ItemView;
  title: string;
  onRetry: (id: number) => void;
}) {
  const { t } = useI18n();
  const png = item.artifacts.png;
  const description = item.description;
  return (
    <article className={`item-card status-${item.status.toLowerCase()}`} data-testid="item-card" data-item={item.id} data-status={item.status} aria-label={title}>
      <header>
        <span className="item-pos">#{item.position + 1}</span>
        <h3>
          <Link to={`/charts/${item.id}`}>{title}</Link>
        </h3>
        <StatusBadge status={item.status} />
      </header>
      <div className="thumb">
        {png ? (
          <Link to={`/charts/${item.id}`} tabIndex={-1} aria-hidden="true">
            <RetryingImage src={`${png}?a=${item.attempts}`} alt={t("job.thumbAlt", { title })} loading="lazy" data-testid="thumbnail" />
          </Link>
        ) : item.status === "RUNNING" || item.status === "PENDING" ? (
          <div className="thumb-wait">
            <ProgressBar value={item.progress} label={t("job.itemProgress", { title })} />
            <span className="muted small">{item.stage || t(item.status === "RUNNING" ? "status.RUNNING" : "status.PENDING")}</span>
          </div>
        ) : (
          <p className="field-error small">{item.error || t(item.status === "CANCELLED" ? "status.CANCELLED" : "job.noImage")}</p>
        )}
      </div>
      {description && (
        <p className={`desc small${description.streaming ? " streaming" : ""}`} data-testid="description" aria-live={description.streaming ? "polite" : undefined}>
          {description.status === "FAILED" ? `${t("desc.failed")}: ${description.error}` : description.text || t("desc.waiting")}
        </p>
      )}
      {(item.status === "FAILED" || item.status === "CANCELLED") && (
        <button type="button" className="small-button" onClick={() => onRetry(item.id)}>
          {t("job.retryItem")}
        </button>
      )}
    </article>
  );
});

function ItemGrid({ items, titles, onRetry }: { items: ItemView[]; titles: Map<string, string>; onRetry: (id: number) => void }) {
  const { t } = useI18n();
  const parent = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1000);
  useEffect(() => {
    const el = parent.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width));
    observer.observe(el);
    setWidth(el.clientWidth || 1000);
    return () => observer.disconnect();
  }, []);
  const columns = Math.max(1, Math.floor(width / CARD_MIN_WIDTH));
  const rows = Math.ceil(items.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => parent.current,
    estimateSize: () => CARD_HEIGHT + 12,
    overscan: 3,
  });
  return (
    <div ref={parent} className="item-grid-scroll" role="list" aria-label={t("job.charts")} tabIndex={0}>
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.key}
            className="item-row"
            style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}
          >
            {items.slice(row.index * columns, row.index * columns + columns).map((item) => (
              <div role="listitem" key={item.id}>
                <ItemCard item={item} title={titles.get(item.analysis) ?? item.analysis} onRetry={onRetry} />
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Download every chart of the job as one ZIP: a report pack (apps.reports), built on a worker and
 * followed on the job's socket (report.status / report.progress); absent on servers without it. */
function ZipButton({ jobId, reports, disabled }: { jobId: number; reports: Record<number, ReportState>; disabled: boolean }) {
  const { t, lang } = useI18n();
  const [mine, setMine] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [initial, setInitial] = useState<ReportState | null>(null);
  const live = mine !== null ? reports[mine] ?? initial : null;
  const build = async () => {
    setError(null);
    try {
      const report = await api<{ id: number; status: string; progress?: number; files?: Record<string, string> }>("reports/", { method: "POST", body: { job: jobId, language: lang } });
      setInitial({ report: report.id, job: jobId, title: "", status: report.status, progress: report.progress ?? 0, stage: "", error: "", files: report.files ?? {} });
      setMine(report.id);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? t("zip.unavailable") : e instanceof Error ? e.message : String(e));
    }
  };
  const zip = live?.files?.zip;
  return (
    <span className="zip" data-testid="zip">
      {zip ? (
        <a className="button primary" href={zip} download data-testid="zip-link">
          {t("zip.download")}
        </a>
      ) : live && live.status !== "FAILED" ? (
        <span className="muted small" role="status">
          {t("zip.building", { n: Math.round(live.progress) })}
        </span>
      ) : (
        <button type="button" onClick={build} disabled={disabled}>
          {t("zip.build")}
        </button>
      )}
      {live?.status === "FAILED" && <span className="field-error small">{live.error}</span>}
      {error && <span className="field-error small">{error}</span>}
    </span>
  );
}

type LogFilter = "all" | "status" | "charts" | "descriptions" | "messages" | "problems";

function matches(entry: LogEntry, filter: LogFilter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "status":
      return entry.type.startsWith("job.");
    case "charts":
      return entry.type.startsWith("item.");
    case "descriptions":
      return entry.type.startsWith("description.");
    case "messages":
      return entry.type === "log";
    case "problems":
      return entry.data.status === "FAILED" || entry.data.level === "error" || entry.data.level === "warning" || Boolean(entry.data.error);
  }
}

export function logText(entry: LogEntry, t: Translate, name: (item: number | null) => string): string {
  const d = entry.data as Record<string, string | number | undefined>;
  const status = (s: unknown) => t(`status.${String(s)}` as Parameters<Translate>[0]);
  switch (entry.type) {
    case "job.status":
      return t("log.jobStatus", { status: status(d.status) });
    case "job.finished":
      return t("log.jobFinished", { ok: d.succeeded ?? 0, total: d.total ?? 0, failed: d.failed ?? 0 });
    case "item.status":
      return t("log.itemStatus", { name: name(entry.item), status: status(d.status) }) + (d.error ? ` — ${d.error}` : "");
    case "item.artifact":
      return t("log.itemArtifact", { name: name(entry.item) });
    case "description.status":
      return t("log.descStatus", { name: name(entry.item), status: status(d.status) }) + (d.error ? ` — ${d.error}` : "");
    case "description.done":
      return t("log.descDone", { name: name(entry.item) });
    case "description.edited":
      return t("log.descEdited", { name: name(entry.item) });
    case "report.status":
      return t("log.report", { status: status(d.status) });
    case "log":
      return String(d.message ?? "");
    default:
      return entry.type;
  }
}

const LOG_SHOWN = 200;

const LogRow = memo(function LogRow({ entry, text }: { entry: LogEntry; text: string }) {
  return (
    <li className={`log-${entry.type.replace(".", "-")}`}>
      <span className="log-seq">{entry.seq}</span>
      <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
      <span>{text}</span>
    </li>
  );
});

function ActivityLog({ log: current, name }: { log: LogEntry[]; name: (item: number | null) => string }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<LogFilter>("all");
  // The log is the least urgent thing on the page: React renders it after the cards and the counts.
  const log = useDeferredValue(current);
  const shown = useMemo(() => {
    const out: LogEntry[] = [];
    for (let i = log.length - 1; i >= 0 && out.length < LOG_SHOWN; i -= 1) {
      const entry = log[i];
      if (entry && matches(entry, filter)) out.push(entry);
    }
    return out;
  }, [log, filter]);
  const filters: LogFilter[] = ["all", "status", "charts", "descriptions", "messages", "problems"];
  return (
    <Card
      title={t("log.title")}
      actions={
        <div className="segmented" role="group" aria-label={t("log.filter")}>
          {filters.map((f) => (
            <button key={f} type="button" aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {t(`log.f.${f}`)}
            </button>
          ))}
        </div>
      }
    >
      <ol className="log" data-testid="activity-log" aria-live="off">
        {shown.map((entry) => (
          <LogRow key={entry.seq} entry={entry} text={logText(entry, t, name)} />
        ))}
      </ol>
      <p className="muted small">{t("log.count", { shown: shown.length, total: log.length })}</p>
    </Card>
  );
}

export default function JobView() {
  const { id } = useParams();
  const jobId = Number(id);
  const { t, tx, number } = useI18n();
  const analyses = useAnalyses();
  const { state, connection } = useJobStream(jobId);
  const [actionError, setActionError] = useState<unknown>(null);
  const titles = useMemo(() => {
    const map = new Map<string, string>();
    for (const a of analyses.data ?? []) map.set(a.key, tx(`analysis.${a.key}.title`, a.title));
    return map;
  }, [analyses.data, tx]);
  const itemsRef = useRef(state);
  itemsRef.current = state;
  const name = useMemo(
    () => (item: number | null) => {
      if (item === null) return "";
      const at = itemsRef.current.index[item];
      const found = at === undefined ? undefined : itemsRef.current.items[at];
      return found ? `#${found.position + 1} ${titles.get(found.analysis) ?? found.analysis}` : `#${item}`;
    },
    [titles],
  );
  const run = async (path: string, body?: unknown) => {
    setActionError(null);
    try {
      await api(path, { method: "POST", body });
    } catch (e) {
      setActionError(e instanceof ApiError ? e.message : e);
    }
  };
  const onRetry = useMemo(() => (itemId: number) => void run(`items/${itemId}/retry/`), []); // eslint-disable-line

  if (connection.state === "closed" && connection.code === 4404) return <ErrorBox error={t("common.notFound")} />;
  if (!state.ready || !state.job) {
    return (
      <div className="page">
        <Spinner label={t("job.connecting")} />
        <ConnectionBadge connection={connection} />
      </div>
    );
  }
  const job = state.job;
  const { running, pending } = countsOf(state);
  const terminal = TERMINAL_JOB.has(job.status);
  const done = job.succeeded + job.failed + job.cancelled;
  return (
    <div className="page job-page">
      <div className="page-head">
        <h1>{job.title || t("job.untitled", { id: job.id })}</h1>
        <span data-testid="job-status">
          <StatusBadge status={job.status} />
        </span>
        <ConnectionBadge connection={connection} />
      </div>
      <p className="muted">
        {job.dataset && (
          <>
            {t("job.dataset")}: <Link to={`/datasets/${job.dataset.id}`}>{job.dataset.name}</Link>
          </>
        )}
      </p>
      <Card>
        <ProgressBar value={job.total ? (done / job.total) * 100 : 0} label={t("job.overall")} testId="job-progress" />
        <dl className="counts" data-testid="job-counts">
          <div>
            <dt>{t("job.total")}</dt>
            <dd>{number(job.total)}</dd>
          </div>
          <div>
            <dt>{t("status.SUCCESS")}</dt>
            <dd data-testid="count-succeeded">{number(job.succeeded)}</dd>
          </div>
          <div>
            <dt>{t("status.FAILED")}</dt>
            <dd data-testid="count-failed">{number(job.failed)}</dd>
          </div>
          <div>
            <dt>{t("status.CANCELLED")}</dt>
            <dd>{number(job.cancelled)}</dd>
          </div>
          <div>
            <dt>{t("status.RUNNING")}</dt>
            <dd>{number(running)}</dd>
          </div>
          <div>
            <dt>{t("status.PENDING")}</dt>
            <dd>{number(pending)}</dd>
          </div>
        </dl>
        <div className="actions">
          {!terminal && (
            <button type="button" className="danger" onClick={() => void run(`jobs/${jobId}/cancel/`)}>
              {t("job.cancel")}
            </button>
          )}
          {(job.failed > 0 || job.cancelled > 0) && terminal && (
            <button type="button" onClick={() => void run(`jobs/${jobId}/retry/`, {})}>
              {t("job.retryFailed")}
            </button>
          )}
          <ZipButton jobId={jobId} reports={state.reports} disabled={job.succeeded === 0} />
        </div>
        {actionError !== null && <ErrorBox error={actionError} />}
      </Card>
      <ItemGrid items={state.items} titles={titles} onRetry={onRetry} />
      <ActivityLog log={state.log} name={name} />
    </div>
  );
}
