import { Link } from "react-router-dom";
import { useSystem } from "../api/system";
import { Card, Empty, ErrorBox, Spinner } from "../components/ui";
import { useI18n } from "../i18n";

function Ok({ ok }: { ok: boolean | null }) {
  const { t } = useI18n();
  return <span className={`badge ${ok === true ? "badge-success" : ok === false ? "badge-failed" : ""}`}>{ok === true ? t("system.ok") : ok === false ? t("system.fail") : t("system.unknown")}</span>;
}

export default function System() {
  const { t, number, date } = useI18n();
  const system = useSystem(true);
  if (system.isPending) return <Spinner label={t("common.loading")} />;
  if (system.error) return <ErrorBox error={system.error} />;
  const data = system.data;
  if (!data || !data.available) {
    return (
      <div className="page">
        <h1>{t("system.title")}</h1>
        <Empty>{data?.reason === "forbidden" ? t("system.forbidden") : t("system.absent")}</Empty>
      </div>
    );
  }
  const h = data.health;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("system.title")}</h1>
        <Ok ok={h.ok} />
      </div>
      {h.eager && (
        <div className="error-box" role="alert">
          {t("system.eagerWarning")}
        </div>
      )}
      <div className="grid-2">
        <Card title={t("system.queues")}>
          <table className="table" data-testid="system-queues">
            <thead>
              <tr>
                <th scope="col">{t("system.queue")}</th>
                <th scope="col">{t("system.workers")}</th>
                <th scope="col">{t("system.depth")}</th>
                <th scope="col">{t("system.oldest")}</th>
                <th scope="col">{t("system.state")}</th>
              </tr>
            </thead>
            <tbody>
              {h.queues.map((q) => (
                <tr key={q.name}>
                  <th scope="row">{q.name}</th>
                  <td>{q.workers ?? "—"}</td>
                  <td>{q.depth === null ? "—" : number(q.depth)}</td>
                  <td>{q.oldestAgeS === null ? "—" : `${number(q.oldestAgeS, { maximumFractionDigits: 1 })} s`}</td>
                  <td>
                    <Ok ok={q.ok ?? (q.workers === null ? null : q.workers > 0)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={t("system.checks")}>
          <ul className="rows">
            {h.checks.map((c) => (
              <li key={c.name} className="row">
                <strong>{c.name}</strong> <Ok ok={c.ok} /> <span className="muted small">{c.detail}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <Card title={t("system.failures")}>
        {h.failures.length === 0 ? (
          <Empty>{t("system.noFailures")}</Empty>
        ) : (
          <ul className="rows">
            {h.failures.map((f, i) => (
              <li key={f.id ?? i} className="row">
                <span className="muted small">{date(f.at)}</span>{" "}
                {f.item ? <Link to={`/charts/${f.item}`}>#{f.item}</Link> : f.job ? <Link to={`/jobs/${f.job}`}>#{f.job}</Link> : null} {f.message}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
