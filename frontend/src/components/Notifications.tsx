// The notifications menu in the top bar: unread count, the latest ones, mark read. It follows the
// user's /ws/jobs/ stream, where the server pushes a `notification` message when a job or a report
// ends; the list is read again only then (no polling).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router-dom";
import { api, type Page } from "../api/client";
import type { components } from "../api/schema";
import { LiveSocket } from "../realtime/socket";
import { useI18n } from "../i18n";

type Notification = components["schemas"]["Notification"];

const KEY = ["notifications"];

/** Where a notification leads in the app: the job's page, or a finished report's ZIP. */
function Target({ n }: { n: Notification }) {
  if (n.subject_type === "job" && n.subject_id) return <Link to={`/jobs/${n.subject_id}`}>{n.title}</Link>;
  if (n.subject_type === "report" && n.subject_id && n.level !== "error") {
    return <a href={`/api/v1/reports/${n.subject_id}/files/zip/`}>{n.title}</a>;
  }
  return <>{n.title}</>;
}

export function useNotifications() {
  return useQuery({ queryKey: KEY, queryFn: () => api<Page<Notification>>("notifications/?limit=8") });
}

export function Notifications() {
  const { t, date } = useI18n();
  const queryClient = useQueryClient();
  const notifications = useNotifications();

  useEffect(() => {
    const socket = new LiveSocket<{ type: string }>({
      path: "/ws/jobs/",
      onEvent: (event) => {
        if (event.type === "notification") void queryClient.invalidateQueries({ queryKey: KEY });
      },
    }).start();
    return () => socket.stop();
  }, [queryClient]);

  const items = notifications.data?.results ?? [];
  const unread = items.filter((n) => !n.read).length;
  const markAll = async () => {
    await api("notifications/read/", { method: "POST", body: {} });
    await queryClient.invalidateQueries({ queryKey: KEY });
  };
  return (
    <details className="notifications" data-testid="notifications">
      <summary aria-label={t("notif.summary", { n: unread })}>
        {t("notif.title")}
        {unread > 0 && <span className="badge">{unread}</span>}
      </summary>
      <div className="notifications-panel" role="region" aria-label={t("notif.title")}>
        {items.length === 0 && <p className="muted small">{t("notif.none")}</p>}
        <ul>
          {items.map((n) => (
            <li key={n.id} className={n.read ? "read" : "unread"}>
              <strong>
                <Target n={n} />
              </strong>
              {n.message && <span className="small"> {n.message}</span>}
              <span className="muted small"> · {date(n.created_at)}</span>
            </li>
          ))}
        </ul>
        {unread > 0 && (
          <button type="button" className="link-button" onClick={markAll}>
            {t("notif.markAll")}
          </button>
        )}
      </div>
    </details>
  );
}
