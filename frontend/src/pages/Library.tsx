import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useAnalyses, useLibrary, useLibraryGroups, useLibraryTags, type LibraryChart } from "../api/hooks";
import { artifactUrl, type BulkAction } from "../api/types";
import { BulkBar, GroupsPanel } from "../components/LibraryBulk";
import { Card, Empty, ErrorBox, RetryingImage, Spinner } from "../components/ui";
import { useI18n } from "../i18n";

type Published = "" | "yes" | "no";

function TagForm({ chart, onDone }: { chart: LibraryChart; onDone: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wanted = name.trim();
    if (!wanted) return;
    setError(null);
    try {
      const tags = await api<{ id: number; name: string }[]>("library/tags/");
      let tag = tags.find((x) => x.name.toLowerCase() === wanted.toLowerCase());
      if (!tag) tag = await api<{ id: number; name: string }>("library/tags/", { method: "POST", body: { name: wanted } });
      await api("library/charts/bulk/", { method: "POST", body: { action: "tag", items: [chart.id], tag: tag.id } });
      setName("");
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <form className="tag-form" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={`tag-${chart.id}`}>
        {t("library.addTag")}
      </label>
      <input id={`tag-${chart.id}`} value={name} maxLength={60} placeholder={t("library.addTag")} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="small-button">
        {t("library.tag")}
      </button>
      {error && <span className="field-error small">{error}</span>}
    </form>
  );
}

export default function Library() {
  const { t, tx, date } = useI18n();
  const queryClient = useQueryClient();
  const library = useLibrary();
  const analyses = useAnalyses();
  const [query, setQuery] = useState("");
  const [analysis, setAnalysis] = useState("");
  const [dataset, setDataset] = useState("");
  const [tag, setTag] = useState("");
  const [published, setPublished] = useState<Published>("");
  const [group, setGroup] = useState("");
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [actionError, setActionError] = useState<unknown>(null);
  const titleOf = (c: { analysis_key: string; title?: string | null }) =>
    tx(`analysis.${c.analysis_key}.title`, c.title ?? analyses.data?.find((a) => a.key === c.analysis_key)?.title ?? c.analysis_key);
  const charts = library.data?.charts ?? [];
  const withLibrary = library.data?.source === "library";
  const groups = useLibraryGroups(withLibrary);
  const tagList = useLibraryTags(withLibrary);
  const datasets = useMemo(() => [...new Set(charts.map((c) => c.datasetName))].sort(), [charts]);
  const keys = useMemo(() => [...new Set(charts.map((c) => c.analysis_key))], [charts]);
  const tags = useMemo(() => [...new Set(charts.flatMap((c) => c.tags.map((x) => x.name)))].sort(), [charts]);
  const q = query.trim().toLowerCase();
  const shown = charts.filter(
    (c) =>
      (!analysis || c.analysis_key === analysis) &&
      (!dataset || c.datasetName === dataset) &&
      (!tag || c.tags.some((x) => x.name === tag)) &&
      (!group || c.groups.some((x) => String(x.id) === group)) &&
      (!published || (published === "yes") === Boolean(c.published)) &&
      (!q || `${c.jobTitle} ${c.datasetName} ${titleOf(c)} ${c.analysis_key} ${c.tags.map((x) => x.name).join(" ")}`.toLowerCase().includes(q)),
  );
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["library"] });
    void queryClient.invalidateQueries({ queryKey: ["library-groups"] });
    void queryClient.invalidateQueries({ queryKey: ["library-tags"] });
  };
  const known = new Set(charts.map((c) => c.id));
  const chosen = [...selected].filter((id) => known.has(id));
  const toggleSelected = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const afterBulk = (action: BulkAction) => {
    if (action === "delete_drafts") setSelected(new Set());
    refresh();
  };
  const togglePublish = async (c: LibraryChart) => {
    setActionError(null);
    try {
      await api(`library/charts/${c.id}/${c.published ? "unpublish" : "publish"}/`, { method: "POST" });
      refresh();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <div className="page">
      <h1>{t("library.title")}</h1>
      <Card>
        <div className="filters" role="search">
          <div className="field">
            <label htmlFor="lib-q">{t("library.search")}</label>
            <input id="lib-q" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="lib-analysis">{t("library.analysis")}</label>
            <select id="lib-analysis" value={analysis} onChange={(e) => setAnalysis(e.target.value)}>
              <option value="">{t("library.any")}</option>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {titleOf({ analysis_key: k })}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="lib-dataset">{t("library.dataset")}</label>
            <select id="lib-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)}>
              <option value="">{t("library.any")}</option>
              {datasets.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </div>
          {withLibrary && (
            <>
              <div className="field">
                <label htmlFor="lib-tag">{t("library.tagFilter")}</label>
                <select id="lib-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
                  <option value="">{t("library.any")}</option>
                  {tags.map((x) => (
                    <option key={x} value={x}>
                      {x}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="lib-group">{t("library.groupFilter")}</label>
                <select id="lib-group" value={group} onChange={(e) => setGroup(e.target.value)}>
                  <option value="">{t("library.any")}</option>
                  {(groups.data ?? []).map((g) => (
                    <option key={g.id} value={String(g.id)}>
                      {g.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="lib-published">{t("library.published")}</label>
                <select id="lib-published" value={published} onChange={(e) => setPublished(e.target.value as Published)}>
                  <option value="">{t("library.any")}</option>
                  <option value="yes">{t("library.onlyPublished")}</option>
                  <option value="no">{t("library.onlyDrafts")}</option>
                </select>
              </div>
            </>
          )}
        </div>
        <p className="muted small">{t("library.count", { shown: shown.length, total: charts.length })}</p>
      </Card>
      {withLibrary && (
        <div className="library-tools">
          <Card title={t("groups.title")}>
            <GroupsPanel groups={groups.data ?? []} active={group} onShow={setGroup} onChanged={refresh} />
          </Card>
          <Card title={t("bulk.title")}>
            <BulkBar
              selected={chosen}
              shown={Math.min(shown.length, 300)}
              tags={tagList.data ?? []}
              groups={groups.data ?? []}
              onSelectShown={() => setSelected(new Set([...chosen, ...shown.slice(0, 300).map((c) => c.id)]))}
              onClear={() => setSelected(new Set())}
              onDone={afterBulk}
            />
          </Card>
        </div>
      )}
      {library.isPending && <Spinner label={t("common.loading")} />}
      <ErrorBox error={library.error} />
      {actionError !== null && <ErrorBox error={actionError instanceof Error ? actionError.message : actionError} />}
      {!library.isPending && shown.length === 0 && <Empty>{t("library.empty")}</Empty>}
      <ul className="library-grid" data-testid="library">
        {shown.slice(0, 300).map((c) => (
          <li key={c.id} className={`library-card${selected.has(c.id) ? " selected" : ""}`} data-chart={c.id}>
            {withLibrary && (
              <label className="check select-chart">
                <input type="checkbox" checked={selected.has(c.id)} onChange={() => toggleSelected(c.id)} />
                <span className="visually-hidden">{t("bulk.selectChart", { title: titleOf(c) })}</span>
                <span aria-hidden="true" className="small">
                  {t("bulk.select")}
                </span>
              </label>
            )}
            <Link to={`/charts/${c.id}`}>
              <RetryingImage src={artifactUrl(c.id, "png")} alt={t("job.thumbAlt", { title: titleOf(c) })} loading="lazy" />
              <strong>{titleOf(c)}</strong>
            </Link>
            <span className="muted small">
              {c.jobTitle || t("job.untitled", { id: c.job })} · {c.datasetName} · {date(c.finishedAt)}
            </span>
            {c.groups.length > 0 && (
              <span className="tags" data-testid="chart-groups">
                {c.groups.map((x) => (
                  <span key={x.id} className="badge badge-group">
                    <span className="visually-hidden">{t("library.groupFilter")}: </span>
                    {x.name}
                  </span>
                ))}
              </span>
            )}
            {c.tags.length > 0 && (
              <span className="tags">
                {c.tags.map((x) => (
                  <span key={x.id} className="badge">
                    {x.name}
                  </span>
                ))}
              </span>
            )}
            <span className="downloads small">
              <a href={artifactUrl(c.id, "png")} download>
                PNG
              </a>{" "}
              <a href={artifactUrl(c.id, "svg")} download>
                SVG
              </a>{" "}
              <a href={artifactUrl(c.id, "csv")} download>
                CSV
              </a>
            </span>
            {withLibrary && (
              <>
                <button type="button" className="small-button" aria-pressed={Boolean(c.published)} onClick={() => void togglePublish(c)}>
                  {c.published ? t("library.unpublish") : t("library.publish")}
                </button>
                <TagForm chart={c} onDone={refresh} />
              </>
            )}
          </li>
        ))}
      </ul>
      {!withLibrary && library.data && <p className="muted small">{t("library.tagsLater")}</p>}
    </div>
  );
}
