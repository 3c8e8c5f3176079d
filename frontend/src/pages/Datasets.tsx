import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ApiError, fieldMessages } from "../api/client";
import { useDatasets } from "../api/hooks";
import type { Dataset, DatasetSummary } from "../api/types";
import { uploadDataset, type UploadHandle } from "../api/upload";
import { Card, Empty, ErrorBox, ProgressBar, StatusBadge } from "../components/ui";
import { useI18n } from "../i18n";

const ACCEPT = ".xlsx,.csv,.txt,.xls,.zip";

export function UploadBox() {
  const { t, number } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState("");
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const handle = useRef<UploadHandle<Dataset> | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const choose = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const chosen = Array.from(list);
    setFiles(chosen);
    setError(null);
    if (!name && chosen[0]) setName(chosen[0].name.replace(/\.[^.]+$/, ""));
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    choose(event.dataTransfer.files);
  };
  const start = async () => {
    if (!files.length) return;
    setProgress(0);
    setError(null);
    handle.current = uploadDataset<Dataset>(files, name, (p) => setProgress((p.loaded / p.total) * 100));
    try {
      const dataset = await handle.current.promise;
      await queryClient.invalidateQueries({ queryKey: ["datasets"] });
      navigate(`/datasets/${dataset.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === "aborted") setError(t("upload.aborted"));
      else if (e instanceof ApiError) setError([e.message, ...fieldMessages(e.fields)].join(" "));
      else setError(String(e));
      setProgress(null);
    } finally {
      handle.current = null;
    }
  };
  const size = files.reduce((sum, f) => sum + f.size, 0);
  return (
    <Card title={t("upload.title")}>
      <div
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>{t("upload.drop")}</p>
        <button type="button" onClick={() => input.current?.click()}>
          {t("upload.browse")}
        </button>
        <input
          ref={input}
          id="upload-file"
          type="file"
          multiple
          accept={ACCEPT}
          className="visually-hidden"
          aria-label={t("upload.fileLabel")}
          onChange={(e) => choose(e.target.files)}
        />
        <p className="muted small">{t("upload.formats")}</p>
      </div>
      {files.length > 0 && (
        <div className="upload-form">
          <p>
            {files.map((f) => f.name).join(", ")} · {number(size / 1024 / 1024, { maximumFractionDigits: 1 })} MB
          </p>
          <label htmlFor="dataset-name">{t("upload.name")}</label>
          <input id="dataset-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
          {progress !== null && (
            <>
              <ProgressBar value={progress} label={t("upload.progress")} testId="upload-progress" />
              <span className="muted small" aria-live="polite">
                {t("upload.percent", { n: Math.round(progress) })}
              </span>
            </>
          )}
          <div className="actions">
            {progress === null ? (
              <button type="button" className="primary" onClick={start}>
                {t("upload.submit")}
              </button>
            ) : (
              <button type="button" onClick={() => handle.current?.abort()}>
                {t("common.cancel")}
              </button>
            )}
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </Card>
  );
}

/** Import an export from a URL: the server fetches it (public addresses only) and reads it. */
export function ImportUrlBox() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const dataset = await api<Dataset>("datasets/import/", { method: "POST", body: { url: url.trim() } });
      await queryClient.invalidateQueries({ queryKey: ["datasets"] });
      navigate(`/datasets/${dataset.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("import.title")}>
      <form onSubmit={submit} className="upload-form">
        <label htmlFor="import-url">{t("import.url")}</label>
        <input
          id="import-url"
          type="url"
          inputMode="url"
          placeholder="https://"
          value={url}
          maxLength={2000}
          onChange={(e) => setUrl(e.target.value)}
        />
        <p className="muted small">{t("import.help")}</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !url.trim()}>
            {t("import.submit")}
          </button>
        </div>
      </form>
      {error && <ErrorBox error={error} />}
    </Card>
  );
}

export default function Datasets() {
  const { t, number, date } = useI18n();
  const datasets = useDatasets();
  return (
    <div className="page">
      <h1>{t("datasets.title")}</h1>
      <div className="grid-2">
        <div>
          <UploadBox />
          <ImportUrlBox />
        </div>
        <Card title={t("datasets.list")}>
          <ErrorBox error={datasets.error} />
          {datasets.data?.results.length === 0 && <Empty>{t("dash.noDatasets")}</Empty>}
          {(datasets.data?.results.length ?? 0) > 0 && (
          <table className="table" aria-label={t("datasets.list")}>
            <thead>
              <tr>
                <th scope="col">{t("datasets.name")}</th>
                <th scope="col">{t("datasets.format")}</th>
                <th scope="col">{t("datasets.records")}</th>
                <th scope="col">{t("datasets.status")}</th>
                <th scope="col">{t("datasets.created")}</th>
              </tr>
            </thead>
            <tbody>
              {datasets.data?.results.map((d) => {
                const summary = (d.summary ?? {}) as DatasetSummary;
                return (
                  <tr key={d.id}>
                    <td>
                      <Link to={`/datasets/${d.id}`}>{d.name}</Link>
                    </td>
                    <td>{summary.format_label ?? d.detected_format ?? "—"}</td>
                    <td>{typeof summary.records === "number" ? number(summary.records) : "—"}</td>
                    <td>
                      <StatusBadge status={d.status} />
                    </td>
                    <td>{date(d.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          )}
        </Card>
      </div>
    </div>
  );
}
