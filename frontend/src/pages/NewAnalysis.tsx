import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, fieldMessages } from "../api/client";
import { useAnalyses, useDataset, useDatasets, useProviders } from "../api/hooks";
import { thumbnailUrl, type AnalysisFeed, type Job } from "../api/types";
import { SchemaForm } from "../components/SchemaForm";
import { collectParams, fieldsOf, toText, type FieldSpec, type JsonSchema, type Parsed } from "../components/schemaForm";
import { Card, Empty, ErrorBox, Spinner } from "../components/ui";
import { inSentence, useI18n } from "../i18n";

export const PALETTES: Record<string, string[]> = {
  intelli: ["#2b5c8a", "#e3793b", "#3f9e8f", "#c9504f", "#8a6bb0", "#d4a72c"],
  colorblind: ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7"],
  viridis: ["#440154", "#3e4c8a", "#24868e", "#3fbc73", "#7fd34e", "#cae11f"],
  grayscale: ["#252525", "#595959", "#737373", "#8c8c8c", "#bdbdbd", "#e3e3e3"],
};

/**
 * What the analysis draws: the server renders it from a built-in sample dataset. A mouse click on
 * it toggles the analysis like its checkbox (which stays the control for keyboards and readers).
 */
export function AnalysisThumbnail({ analysisKey, version, title, onClick }: { analysisKey: string; version: number; title: string; onClick?: () => void }) {
  const { t, lang } = useI18n();
  const [failed, setFailed] = useState(false);
  if (failed) return <span className="analysis-thumb analysis-thumb-missing" aria-hidden="true" />;
  return (
    <img
      className="analysis-thumb"
      src={thumbnailUrl(analysisKey, version, lang)}
      alt={t("new.thumbAlt", { title })}
      width={346}
      height={216}
      loading="lazy"
      decoding="async"
      data-testid="analysis-thumbnail"
      onClick={onClick}
      onError={() => setFailed(true)}
    />
  );
}

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export default function NewAnalysis() {
  const { t, tx } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [search] = useSearchParams();
  const datasets = useDatasets();
  const analyses = useAnalyses();
  const providers = useProviders();
  const [datasetId, setDatasetId] = useState<number | null>(search.get("dataset") ? Number(search.get("dataset")) : null);
  const readyDatasets = (datasets.data?.results ?? []).filter((d) => d.status === "READY" || d.id === datasetId);
  const chosenDataset = datasetId ?? readyDatasets[0]?.id ?? null;
  const dataset = useDataset(chosenDataset ?? 0);
  const feeds = useMemo(() => {
    const map = new Map<string, AnalysisFeed>();
    for (const f of (dataset.data?.analyses ?? []) as unknown as AnalysisFeed[]) map.set(f.key, f);
    return map;
  }, [dataset.data]);

  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [texts, setTexts] = useState<Record<string, Record<string, string | boolean>>>({});
  const [palette, setPalette] = useState("intelli");
  const [fontSize, setFontSize] = useState("10");
  const [dpi, setDpi] = useState("150");
  const { lang } = useI18n();
  const [chartLang, setChartLang] = useState<string>(lang);
  const [title, setTitle] = useState("");
  const [describe, setDescribe] = useState(false);
  const [provider, setProvider] = useState("");
  const [model, setModel] = useState("");
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [showErrors, setShowErrors] = useState(false);

  const fieldsByKey = useMemo(() => {
    const map = new Map<string, FieldSpec[]>();
    for (const a of analyses.data ?? []) map.set(a.key, fieldsOf(a.params_schema as JsonSchema));
    return map;
  }, [analyses.data]);

  const canFeed = (key: string) => feeds.get(key)?.available ?? true;
  const effective = selected ?? new Set((analyses.data ?? []).map((a) => a.key).filter(canFeed));

  const textsFor = (key: string): Record<string, string | boolean> => {
    const own = texts[key];
    if (own) return own;
    const initial: Record<string, string | boolean> = {};
    for (const f of fieldsByKey.get(key) ?? []) initial[f.name] = f.kind === "boolean" ? Boolean(f.defaultValue) : toText(f, f.defaultValue);
    return initial;
  };

  const validation = useMemo(() => {
    const out: Record<string, { params: Record<string, unknown>; errors: Record<string, Parsed & { ok: false }> }> = {};
    for (const key of effective) out[key] = collectParams(fieldsByKey.get(key) ?? [], textsFor(key));
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [effective, texts, fieldsByKey]);

  const styleErrors: Record<string, string> = {};
  const fs = Number(fontSize);
  if (!Number.isInteger(fs) || fs < 6 || fs > 24) styleErrors.font = t("form.range", { min: 6, max: 24 });
  const d = Number(dpi);
  if (!Number.isInteger(d) || d < 72 || d > 600) styleErrors.dpi = t("form.range", { min: 72, max: 600 });

  const toggle = (key: string) => {
    const next = new Set(effective);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setSelected(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    setSubmitError(null);
    const invalid = Object.values(validation).some((v) => Object.keys(v.errors).length > 0) || Object.keys(styleErrors).length > 0;
    if (invalid || !chosenDataset || effective.size === 0) {
      if (effective.size === 0) setSubmitError(t("new.pickOne"));
      return;
    }
    setBusy(true);
    const ordered = (analyses.data ?? []).map((a) => a.key).filter((k) => effective.has(k));
    const body = {
      dataset: chosenDataset,
      title,
      analyses: ordered.map((key) => ({ key, params: validation[key]?.params ?? {} })),
      style: { palette, font_size: fs, dpi: d, language: chartLang },
      describe,
      ai_provider: describe ? provider : "",
      ai_model: describe && provider === "openai" ? model : "",
    };
    try {
      const job = await api<Job>("jobs/", { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
      setIdempotencyKey(newKey());
      await queryClient.invalidateQueries({ queryKey: ["jobs"] });
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      setSubmitError(e instanceof ApiError ? [e.message, ...fieldMessages(e.fields)].join(" ") : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (datasets.isPending || analyses.isPending || (chosenDataset !== null && dataset.isPending)) {
    return <Spinner label={t("common.loading")} />;
  }
  if (readyDatasets.length === 0) {
    return (
      <div className="page">
        <h1>{t("new.title")}</h1>
        <Empty>
          {t("new.noDataset")} <Link to="/datasets">{t("dash.upload")}</Link>
        </Empty>
      </div>
    );
  }
  return (
    <form className="page" onSubmit={submit} noValidate>
      <h1>{t("new.title")}</h1>
      <Card title={t("new.step1")}>
        <div className="field">
          <label htmlFor="dataset">{t("new.dataset")}</label>
          <select id="dataset" value={chosenDataset ?? ""} onChange={(e) => setDatasetId(Number(e.target.value))}>
            {readyDatasets.map((ds) => (
              <option key={ds.id} value={ds.id}>
                {ds.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="job-title">{t("new.jobTitle")}</label>
          <input id="job-title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} placeholder={t("new.jobTitleHint")} />
        </div>
      </Card>
      <Card
        title={t("new.step2")}
        actions={
          <>
            <button type="button" onClick={() => setSelected(new Set((analyses.data ?? []).map((a) => a.key).filter(canFeed)))}>
              {t("new.selectAll")}
            </button>
            <button type="button" onClick={() => setSelected(new Set())}>
              {t("new.selectNone")}
            </button>
          </>
        }
      >
        <ul className="analysis-list">
          {(analyses.data ?? []).map((a) => {
            const feed = feeds.get(a.key);
            const available = feed?.available ?? true;
            const checked = effective.has(a.key);
            const errors = showErrors ? validation[a.key]?.errors ?? {} : {};
            return (
              <li key={a.key} className={`analysis${available ? "" : " unavailable"}${checked ? " checked" : ""}`}>
                <div className="analysis-head">
                  <AnalysisThumbnail
                    analysisKey={a.key}
                    version={a.version}
                    title={tx(`analysis.${a.key}.title`, a.title)}
                    onClick={available ? () => toggle(a.key) : undefined}
                  />
                  <div className="analysis-text">
                    <label className="check">
                      <input type="checkbox" checked={checked} disabled={!available} onChange={() => toggle(a.key)} data-analysis={a.key} />
                      <strong>{tx(`analysis.${a.key}.title`, a.title)}</strong>
                    </label>
                    <p className="muted">{tx(`analysis.${a.key}.description`, a.description)}</p>
                    {!available && feed && <p className="field-error">{t("dataset.missing", { fields: feed.missing.map((m) => inSentence(tx(`field.${m}`, m))).join(", ") })}</p>}
                  </div>
                </div>
                {checked && (fieldsByKey.get(a.key)?.length ?? 0) > 0 && (
                  <details open={Object.keys(errors).length > 0}>
                    <summary>{t("new.params")}</summary>
                    <SchemaForm
                      idPrefix={a.key}
                      fields={fieldsByKey.get(a.key) ?? []}
                      texts={textsFor(a.key)}
                      errors={errors}
                      onChange={(name, value) => setTexts((all) => ({ ...all, [a.key]: { ...textsFor(a.key), [name]: value } }))}
                    />
                  </details>
                )}
              </li>
            );
          })}
        </ul>
      </Card>
      <Card title={t("new.step3")}>
        <div className="style-grid">
          <div className="field">
            <label htmlFor="palette">{t("style.palette")}</label>
            <select id="palette" value={palette} onChange={(e) => setPalette(e.target.value)}>
              {Object.keys(PALETTES).map((p) => (
                <option key={p} value={p}>
                  {tx(`palette.${p}`, p)}
                </option>
              ))}
            </select>
            <div className="swatches" aria-hidden="true" data-testid="palette-preview">
              {(PALETTES[palette] ?? []).map((c) => (
                <span key={c} style={{ background: c }} />
              ))}
            </div>
          </div>
          <div className={`field${styleErrors.font ? " invalid" : ""}`}>
            <label htmlFor="font-size">{t("style.fontSize")}</label>
            <input id="font-size" inputMode="numeric" value={fontSize} onChange={(e) => setFontSize(e.target.value)} aria-invalid={Boolean(styleErrors.font)} />
            {styleErrors.font && <p className="field-error">{styleErrors.font}</p>}
            <p className="preview-text" style={{ fontSize: `${Math.min(24, Math.max(6, fs || 10)) * 1.33}px` }}>
              {t("style.sample")}
            </p>
          </div>
          <div className={`field${styleErrors.dpi ? " invalid" : ""}`}>
            <label htmlFor="dpi">{t("style.dpi")}</label>
            <input id="dpi" inputMode="numeric" value={dpi} onChange={(e) => setDpi(e.target.value)} aria-invalid={Boolean(styleErrors.dpi)} />
            {styleErrors.dpi && <p className="field-error">{styleErrors.dpi}</p>}
          </div>
          <div className="field">
            <label htmlFor="chart-lang">{t("style.language")}</label>
            <select id="chart-lang" value={chartLang} onChange={(e) => setChartLang(e.target.value)}>
              <option value="en">English</option>
              <option value="es">Español</option>
            </select>
          </div>
        </div>
      </Card>
      <Card title={t("new.step4")}>
        <label className="check">
          <input type="checkbox" checked={describe} onChange={(e) => setDescribe(e.target.checked)} />
          {t("ai.describe")}
        </label>
        {describe && (
          <div className="style-grid">
            <div className="field">
              <label htmlFor="provider">{t("ai.provider")}</label>
              <select id="provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
                <option value="">{t("ai.serverDefault", { name: providers.data?.default ?? "" })}</option>
                {(providers.data?.available ?? []).map((p) => (
                  <option key={p} value={p}>
                    {tx(`provider.${p}`, p)}
                  </option>
                ))}
              </select>
            </div>
            {provider === "openai" && (
              <div className="field">
                <label htmlFor="model">{t("ai.model")}</label>
                <input id="model" value={model} maxLength={100} placeholder={providers.data?.model} onChange={(e) => setModel(e.target.value)} />
              </div>
            )}
          </div>
        )}
      </Card>
      {submitError && <ErrorBox error={submitError} />}
      <div className="actions sticky-actions">
        <span className="muted">{t("new.count", { n: effective.size })}</span>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("new.submitting") : t("new.submit")}
        </button>
      </div>
    </form>
  );
}
