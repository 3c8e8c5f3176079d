import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useAnalyses, useItem, useProviders } from "../api/hooks";
import { ARTIFACT_KINDS, artifactUrl, type Description } from "../api/types";
import { Card, ConnectionBadge, ErrorBox, Spinner, StatusBadge } from "../components/ui";
import { useI18n } from "../i18n";
import { useJobStream } from "../realtime/hooks";

interface ChartJson {
  columns: string[];
  rows: unknown[][];
  meta?: Record<string, unknown>;
}

function DataTable({ itemId }: { itemId: number }) {
  const { t } = useI18n();
  const data = useQuery({
    queryKey: ["chart-json", itemId],
    queryFn: () => api<ChartJson>(artifactUrl(itemId, "json")),
    staleTime: Infinity,
  });
  if (data.isPending) return <Spinner label={t("common.loading")} />;
  if (data.error || !data.data) return <ErrorBox error={data.error} />;
  const { columns, rows } = data.data;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={t("chart.data")}>
      <table className="table" data-testid="chart-data">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, 500).map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => (
                <td key={j}>{v === null ? "—" : String(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > 500 && <p className="muted small">{t("chart.rowsCut", { n: rows.length })}</p>}
    </div>
  );
}

function DescriptionPanel({ itemId, jobId }: { itemId: number; jobId: number }) {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const providers = useProviders();
  const { state, connection } = useJobStream(jobId);
  const live = state.items.find((i) => i.id === itemId)?.description ?? null;
  const stored = useQuery({
    queryKey: ["description", itemId],
    queryFn: async () => {
      try {
        return await api<Description>(`items/${itemId}/description/`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [context, setContext] = useState("");
  const [provider, setProvider] = useState("");
  const [error, setError] = useState<unknown>(null);
  const text = live?.text ?? stored.data?.text ?? "";
  const status = live?.status ?? stored.data?.status ?? null;
  useEffect(() => {
    if (live && !live.streaming && live.status === "SUCCESS") void queryClient.invalidateQueries({ queryKey: ["description", itemId] });
  }, [live?.status, live?.streaming, live?.generation, itemId, queryClient]); // eslint-disable-line

  const save = async () => {
    setError(null);
    try {
      await api(`items/${itemId}/description/`, { method: "PATCH", body: { text: draft } });
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: ["description", itemId] });
    } catch (e) {
      setError(e);
    }
  };
  const regenerate = async () => {
    setError(null);
    try {
      await api(`items/${itemId}/describe/`, {
        method: "POST",
        body: { context, language: lang, ...(provider ? { provider } : {}) },
      });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={t("desc.title")} actions={<ConnectionBadge connection={connection} />}>
      {status && <StatusBadge status={status} />}
      {stored.data?.edited && <span className="badge">{t("desc.edited")}</span>}
      {editing ? (
        <div className="field">
          <label htmlFor="desc-edit">{t("desc.editLabel")}</label>
          <textarea id="desc-edit" rows={8} value={draft} maxLength={20000} onChange={(e) => setDraft(e.target.value)} />
          <div className="actions">
            <button type="button" className="primary" onClick={save}>
              {t("common.save")}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      ) : (
        <>
          <p className={`desc-full${live?.streaming ? " streaming" : ""}`} data-testid="description-text" aria-live="polite">
            {text || (status === "FAILED" ? `${t("desc.failed")}: ${live?.error ?? stored.data?.error ?? ""}` : t("desc.none"))}
          </p>
          {stored.data && (
            <p className="muted small">
              {t("desc.meta", { provider: stored.data.provider, model: stored.data.model || "—", generation: stored.data.generation })}
            </p>
          )}
          <button
            type="button"
            onClick={() => {
              setDraft(text);
              setEditing(true);
            }}
            disabled={!text}
          >
            {t("desc.edit")}
          </button>
        </>
      )}
      <details className="regenerate">
        <summary>{t("desc.regenerate")}</summary>
        <div className="field">
          <label htmlFor="desc-context">{t("desc.context")}</label>
          <textarea id="desc-context" rows={3} maxLength={2000} value={context} onChange={(e) => setContext(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="desc-provider">{t("ai.provider")}</label>
          <select id="desc-provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
            <option value="">{t("ai.serverDefault", { name: providers.data?.default ?? "" })}</option>
            {(providers.data?.available ?? []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="primary" onClick={regenerate}>
          {t("desc.regenerateGo")}
        </button>
      </details>
      {error !== null && <ErrorBox error={error} />}
    </Card>
  );
}

export default function ChartDetail() {
  const { id } = useParams();
  const itemId = Number(id);
  const { t, tx, date } = useI18n();
  const item = useItem(itemId);
  const analyses = useAnalyses();
  const [view, setView] = useState<"png" | "svg">("png");
  if (item.isPending) return <Spinner label={t("common.loading")} />;
  if (item.error || !item.data) return <ErrorBox error={item.error ?? t("common.notFound")} />;
  const it = item.data;
  const analysis = analyses.data?.find((a) => a.key === it.analysis_key);
  const title = tx(`analysis.${it.analysis_key}.title`, analysis?.title ?? it.analysis_key);
  const ok = it.status === "SUCCESS";
  return (
    <div className="page">
      <p>
        <Link to={`/jobs/${it.job}`}>← {t("chart.backToJob")}</Link>
      </p>
      <div className="page-head">
        <h1>{title}</h1>
        <StatusBadge status={it.status} />
      </div>
      <div className="chart-layout">
        <Card
          title={t("chart.view")}
          actions={
            <div className="segmented" role="group" aria-label={t("chart.format")}>
              {(["png", "svg"] as const).map((k) => (
                <button key={k} type="button" aria-pressed={view === k} onClick={() => setView(k)}>
                  {k.toUpperCase()}
                </button>
              ))}
            </div>
          }
        >
          {ok ? (
            <img className="chart-large" src={artifactUrl(itemId, view)} alt={t("job.thumbAlt", { title })} data-testid="chart-image" />
          ) : (
            <p className="field-error">{it.error || t("job.noImage")}</p>
          )}
          {ok && (
            <div className="downloads" role="group" aria-label={t("chart.downloads")}>
              {ARTIFACT_KINDS.map((k) => (
                <a key={k} className="button" href={artifactUrl(itemId, k)} download>
                  {t("chart.download", { kind: k.toUpperCase() })}
                </a>
              ))}
            </div>
          )}
          <p className="muted small">
            {t("chart.meta", { version: it.analysis_version, ms: it.duration_ms ?? "—", at: date(it.finished_at) })}
          </p>
        </Card>
        <DescriptionPanel itemId={itemId} jobId={it.job} />
      </div>
      {ok && (
        <Card title={t("chart.data")}>
          <DataTable itemId={itemId} />
        </Card>
      )}
    </div>
  );
}
