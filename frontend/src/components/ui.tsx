import { useEffect, useState, type ImgHTMLAttributes, type ReactNode } from "react";
import { useI18n, type MessageKey } from "../i18n";
import type { Connection } from "../realtime/hooks";

export function Spinner({ label }: { label: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ProgressBar({ value, label, testId }: { value: number; label: string; testId?: string }) {
  const pct = Math.max(0, Math.min(100, value));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct)}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

const STATUS_KEYS: Record<string, MessageKey> = {
  PENDING: "status.PENDING",
  RUNNING: "status.RUNNING",
  SUCCESS: "status.SUCCESS",
  PARTIAL_SUCCESS: "status.PARTIAL_SUCCESS",
  FAILED: "status.FAILED",
  CANCELLED: "status.CANCELLED",
  PROCESSING: "status.PROCESSING",
  READY: "status.READY",
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = STATUS_KEYS[status];
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {key ? t(key) : status}
    </span>
  );
}

export function ConnectionBadge({ connection }: { connection: Connection }) {
  const { t, number } = useI18n();
  const { state, retryInMs } = connection;
  const text =
    state === "open"
      ? t("conn.open")
      : state === "connecting"
        ? t("conn.connecting")
        : state === "reconnecting"
          ? retryInMs !== null
            ? t("conn.retryIn", { s: number(Math.max(0.1, retryInMs / 1000), { maximumFractionDigits: 1 }) })
            : t("conn.reconnecting")
          : t("conn.closed");
  return (
    <span className={`conn conn-${state}`} role="status" aria-live="polite" data-testid="connection" data-state={state}>
      <span className="conn-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      {t("common.error")}: {message}
    </div>
  );
}

export function Card({ title, children, actions }: { title?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      {(title || actions) && (
        <header className="card-header">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * An image that tries again (1 s, 2 s, 4 s … up to 6 times) when it fails to load, e.g. because
 * the web server was restarting at the moment the chart arrived.
 */
export function RetryingImage({ src, ...rest }: ImgHTMLAttributes<HTMLImageElement> & { src: string }) {
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setAttempt(0);
    setFailed(false);
  }, [src]);
  useEffect(() => {
    if (!failed || attempt >= 6) return undefined;
    const timer = setTimeout(() => {
      setFailed(false);
      setAttempt((a) => a + 1);
    }, 1000 * 2 ** attempt);
    return () => clearTimeout(timer);
  }, [failed, attempt]);
  const url = attempt ? `${src}${src.includes("?") ? "&" : "?"}retry=${attempt}` : src;
  // eslint-disable-next-line jsx-a11y/alt-text -- alt comes with the props
  return <img {...rest} src={url} onError={() => setFailed(true)} />;
}
