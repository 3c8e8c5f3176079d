import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useParams } from "react-router-dom";
import { useDataset } from "../api/hooks";
import type { AnalysisFeed, DatasetSummary } from "../api/types";
import { RecordsTable } from "../components/RecordsTable";
import { Card, ErrorBox, Spinner, StatusBadge } from "../components/ui";
import { inSentence, useI18n } from "../i18n";

export default function DatasetDetail() {
  const { id } = useParams();
  const { t, tx, number, date } = useI18n();
  const dataset = useDataset(Number(id));
  const queryClient = useQueryClient();
  const status = dataset.data?.status;
  useEffect(() => {
    // The list (and the analysis wizard's choice of datasets) must see the new status at once.
    if (status === "READY" || status === "FAILED") void queryClient.invalidateQueries({ queryKey: ["datasets"] });
  }, [status, queryClient]);
  if (dataset.isPending) return <Spinner label={t("common.loading")} />;
  if (dataset.error || !dataset.data) return <ErrorBox error={dataset.error ?? t("common.notFound")} />;
  const d = dataset.data;
  const summary = (d.summary ?? {}) as DatasetSummary;
  const feeds = (d.analyses ?? []) as unknown as AnalysisFeed[];
  const ready = d.status === "READY";
  return (
    <div className="page">
      <div className="page-head">
        <h1>{d.name}</h1>
        <StatusBadge status={d.status} />
        {ready && (
          <Link className="button primary" to={`/new?dataset=${d.id}`}>
            {t("dataset.analyse")}
          </Link>
        )}
      </div>
      {d.status === "FAILED" && (
        <div className="error-box" role="alert">
          {d.error}
        </div>
      )}
      {!ready && d.status !== "FAILED" && <Spinner label={t("dataset.reading")} />}
      <div className="grid-2">
        <Card title={t("dataset.summary")}>
          <dl className="facts" data-testid="dataset-facts">
            <dt>{t("datasets.format")}</dt>
            <dd data-testid="dataset-format">{summary.format_label ?? (d.detected_format || "—")}</dd>
            <dt>{t("datasets.records")}</dt>
            <dd>{typeof summary.records === "number" ? number(summary.records) : "—"}</dd>
            <dt>{t("dataset.years")}</dt>
            <dd>{summary.year_range ? `${summary.year_range[0]}–${summary.year_range[1]}` : "—"}</dd>
            <dt>{t("dataset.recordLevel")}</dt>
            <dd>{summary.record_level ? t("common.yes") : t("common.no")}</dd>
            {summary.query && (
              <>
                <dt>{t("dataset.query")}</dt>
                <dd className="query">{summary.query}</dd>
              </>
            )}
            <dt>{t("dataset.file")}</dt>
            <dd>
              {d.original_filename} · {number(d.size_bytes / 1024, { maximumFractionDigits: 0 })} KB
            </dd>
            <dt>{t("datasets.created")}</dt>
            <dd>{date(d.created_at)}</dd>
          </dl>
          {summary.warnings && summary.warnings.length > 0 && (
            <div className="warnings" role="note">
              <h3>{t("dataset.warnings")}</h3>
              <ul>
                {summary.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </div>
          )}
        </Card>
        <Card title={t("dataset.feeds")}>
          <ul className="feeds" data-testid="feeds">
            {feeds.map((f) => (
              <li key={f.key} className={f.available ? "ok" : "no"}>
                <span aria-hidden="true">{f.available ? "✓" : "✗"}</span>{" "}
                <strong>{tx(`analysis.${f.key}.title`, f.title)}</strong>
                {!f.available && <span className="muted"> — {t("dataset.missing", { fields: f.missing.map((m) => inSentence(tx(`field.${m}`, m))).join(", ") })}</span>}
                <span className="visually-hidden">{f.available ? t("dataset.canFeed") : t("dataset.cannotFeed")}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      {ready && summary.record_level && (
        <Card title={t("dataset.preview")}>
          <p className="muted small">{t("records.intro")}</p>
          <RecordsTable datasetId={d.id} />
        </Card>
      )}
      {!summary.record_level && summary.facets && Object.keys(summary.facets).length > 0 && (
        <Card title={t("dataset.preview")}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("dataset.facet")}</th>
                <th scope="col">{t("dataset.rows")}</th>
                <th scope="col">{t("dataset.total")}</th>
                <th scope="col">{t("dataset.truncated")}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(summary.facets).map(([name, f]) => (
                <tr key={name}>
                  <td>{tx(`field.${name}`, name)}</td>
                  <td>{number(f.rows)}</td>
                  <td>{f.total === null ? "—" : number(f.total)}</td>
                  <td>{f.truncated ? t("common.yes") : t("common.no")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      {summary.coverage && Object.keys(summary.coverage).length > 0 && (
        <Card title={t("dataset.coverage")}>
          <table className="table">
            <tbody>
              {Object.entries(summary.coverage).map(([name, share]) => (
                <tr key={name}>
                  <th scope="row">{tx(`field.${name}`, name)}</th>
                  <td>{number(share, { style: "percent", maximumFractionDigits: 0 })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
