import { Link } from "react-router-dom";
import { useDatasets, useMe } from "../api/hooks";
import { useSystem } from "../api/system";
import { Card, ConnectionBadge, Empty, ProgressBar, StatusBadge } from "../components/ui";
import { useI18n } from "../i18n";
import { useJobsStream } from "../realtime/hooks";

function HealthStrip() {
  const { t, number } = useI18n();
  const system = useSystem(true);
  const data = system.data;
  if (!data || !data.available) return null;
  const { health } = data;
  return (
    <section className="health-strip" aria-label={t("dash.health")} data-testid="health-strip">
      <span className={`badge ${health.ok === false ? "badge-failed" : health.ok ? "badge-success" : ""}`}>
        {health.ok === false ? t("system.degraded") : health.ok ? t("system.healthy") : t("system.unknown")}
      </span>
      {health.eager && <span className="badge badge-failed">{t("system.eagerOn")}</span>}
      {health.queues.map((q) => (
        <span key={q.name} className="health-queue">
          <strong>{q.name}</strong> {t("system.workersN", { n: q.workers ?? "?" })} · {t("system.depthN", { n: q.depth === null ? "?" : number(q.depth) })}
        </span>
      ))}
      <Link to="/system">{t("dash.systemLink")}</Link>
    </section>
  );
}

export default function Dashboard() {
  const { t, number, date } = useI18n();
  const me = useMe();
  const { state, connection } = useJobsStream();
  const datasets = useDatasets();
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("dash.title")}</h1>
        <Link className="button primary" to="/new">
          {t("nav.newAnalysis")}
        </Link>
      </div>
      {me.data?.is_staff && <HealthStrip />}
      <div className="grid-2">
        <Card title={t("dash.recentJobs")} actions={<ConnectionBadge connection={connection} />}>
          {!state.ready ? (
            <Empty>{t("common.loading")}</Empty>
          ) : state.jobs.length === 0 ? (
            <Empty>{t("dash.noJobs")}</Empty>
          ) : (
            <ul className="rows" data-testid="recent-jobs">
              {state.jobs.slice(0, 12).map((job) => (
                <li key={job.id} className="row">
                  <Link to={`/jobs/${job.id}`} className="row-title">
                    {job.title || t("job.untitled", { id: job.id })}
                  </Link>
                  <StatusBadge status={job.status} />
                  <span className="muted">
                    {t("job.countsShort", { done: number(job.succeeded), total: number(job.total) })}
                  </span>
                  <ProgressBar value={job.progress} label={t("job.progressOf", { title: job.title || `#${job.id}` })} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card
          title={t("dash.recentDatasets")}
          actions={
            <Link to="/datasets" className="button">
              {t("dash.upload")}
            </Link>
          }
        >
          {datasets.data?.results.length === 0 && <Empty>{t("dash.noDatasets")}</Empty>}
          <ul className="rows">
            {datasets.data?.results.slice(0, 8).map((d) => (
              <li key={d.id} className="row">
                <Link to={`/datasets/${d.id}`} className="row-title">
                  {d.name}
                </Link>
                <StatusBadge status={d.status} />
                <span className="muted">{date(d.created_at)}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}
