// The library's groups and bulk actions: POST library/charts/bulk/ on the selected charts, with the
// tag or group named by the user (created first when it does not exist yet).
import { useId, useState, type FormEvent } from "react";
import { api, ApiError, fieldMessages } from "../api/client";
import type { BulkAction, BulkResult, LibraryGroup, LibraryTag } from "../api/types";
import { useI18n, type MessageKey } from "../i18n";

export const BULK_ACTIONS: readonly BulkAction[] = ["add_to_group", "remove_from_group", "tag", "untag", "publish", "unpublish", "delete_drafts"];
const NEEDS_TAG: ReadonlySet<BulkAction> = new Set(["tag", "untag"]);
const NEEDS_GROUP: ReadonlySet<BulkAction> = new Set(["add_to_group", "remove_from_group"]);
const CREATES: ReadonlySet<BulkAction> = new Set(["tag", "add_to_group"]);

interface Named {
  id: number;
  name: string;
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) return [error.message, ...fieldMessages(error.fields)].join(" ");
  return error instanceof Error ? error.message : String(error);
}

/** The id of the tag or group called `name` (case-insensitively), created when `create` allows. */
export async function resolveNamed(kind: "tags" | "groups", name: string, known: Named[], create: boolean): Promise<number | null> {
  const wanted = name.trim().replace(/\s+/g, " ");
  const found = known.find((x) => x.name.toLowerCase() === wanted.toLowerCase());
  if (found) return found.id;
  if (!create) return null;
  const made = await api<Named>(`library/${kind}/`, { method: "POST", body: { name: wanted } });
  return made.id;
}

export interface BulkBarProps {
  selected: number[];
  shown: number;
  tags: LibraryTag[];
  groups: LibraryGroup[];
  onSelectShown: () => void;
  onClear: () => void;
  /** After a bulk request: refresh what it changed (and, for deleted drafts, forget the selection). */
  onDone: (action: BulkAction) => void;
}

export function BulkBar({ selected, shown, tags, groups, onSelectShown, onClear, onDone }: BulkBarProps) {
  const { t, number } = useI18n();
  const [action, setAction] = useState<BulkAction>("add_to_group");
  const [target, setTarget] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const actionId = useId();
  const targetId = useId();
  const listId = useId();
  const needsTag = NEEDS_TAG.has(action);
  const needsGroup = NEEDS_GROUP.has(action);
  const options = needsTag ? tags : needsGroup ? groups : [];

  const run = async () => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const body: { action: BulkAction; items: number[]; tag?: number; group?: number } = { action, items: selected };
      if (needsTag || needsGroup) {
        const id = await resolveNamed(needsTag ? "tags" : "groups", target, needsTag ? tags : groups, CREATES.has(action));
        if (id === null) {
          setError(t(needsTag ? "bulk.noSuchTag" : "bulk.noSuchGroup", { name: target.trim() }));
          return;
        }
        if (needsTag) body.tag = id;
        else body.group = id;
      }
      const result = await api<BulkResult>("library/charts/bulk/", { method: "POST", body });
      setMessage(t("bulk.done", { changed: number(result.changed), items: number(result.items) }));
      setConfirming(false);
      onDone(action);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!selected.length) return;
    if ((needsTag || needsGroup) && !target.trim()) {
      setError(t(needsTag ? "bulk.nameTag" : "bulk.nameGroup"));
      return;
    }
    if (action === "delete_drafts" && !confirming) {
      setConfirming(true);
      return;
    }
    void run();
  };

  return (
    <form className="bulk-bar" onSubmit={submit} aria-label={t("bulk.title")} data-testid="bulk-bar">
      <div className="bulk-selection">
        <strong data-testid="bulk-count">{t("bulk.selected", { n: number(selected.length) })}</strong>
        <button type="button" className="small-button" onClick={onSelectShown} disabled={shown === 0}>
          {t("bulk.selectShown", { n: number(shown) })}
        </button>
        <button type="button" className="small-button" onClick={onClear} disabled={!selected.length}>
          {t("bulk.clear")}
        </button>
      </div>
      <div className="bulk-controls">
        <div className="field">
          <label htmlFor={actionId}>{t("bulk.action")}</label>
          <select
            id={actionId}
            value={action}
            onChange={(e) => {
              setAction(e.target.value as BulkAction);
              setConfirming(false);
              setError(null);
            }}
          >
            {BULK_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`bulk.action.${a}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        {(needsTag || needsGroup) && (
          <div className="field">
            <label htmlFor={targetId}>{needsTag ? t("bulk.tagName") : t("bulk.groupName")}</label>
            <input id={targetId} value={target} maxLength={60} list={listId} autoComplete="off" onChange={(e) => setTarget(e.target.value)} />
            <datalist id={listId}>
              {options.map((o) => (
                <option key={o.id} value={o.name} />
              ))}
            </datalist>
            {CREATES.has(action) && <p className="hint">{t("bulk.createsHint")}</p>}
          </div>
        )}
        <button type="submit" className={action === "delete_drafts" ? "danger" : "primary"} disabled={busy || !selected.length}>
          {busy ? t("bulk.applying") : t("bulk.apply")}
        </button>
      </div>
      {confirming && (
        <div className="bulk-confirm" role="alertdialog" aria-labelledby={`${actionId}-confirm`}>
          <p id={`${actionId}-confirm`}>{t("bulk.confirmDelete", { n: number(selected.length) })}</p>
          <button type="button" className="danger" onClick={() => void run()} disabled={busy} autoFocus>
            {t("bulk.confirmDeleteButton")}
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            {t("common.cancel")}
          </button>
        </div>
      )}
      <p className="bulk-message" role="status" aria-live="polite" data-testid="bulk-message">
        {message}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export interface GroupsPanelProps {
  groups: LibraryGroup[];
  active: string;
  onShow: (id: string) => void;
  onChanged: () => void;
}

/** The user's groups: how many charts each holds, show one, create and delete. */
export function GroupsPanel({ groups, active, onShow, onChanged }: GroupsPanelProps) {
  const { t, number } = useI18n();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const inputId = useId();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    setError(null);
    try {
      await api("library/groups/", { method: "POST", body: { name: name.trim() } });
      setName("");
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async (group: LibraryGroup) => {
    setError(null);
    try {
      await api(`library/groups/${group.id}/`, { method: "DELETE" });
      setDeleting(null);
      if (active === String(group.id)) onShow("");
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <div className="groups" data-testid="groups">
      {groups.length === 0 ? (
        <p className="muted small">{t("groups.none")}</p>
      ) : (
        <ul className="group-list">
          {groups.map((g) => (
            <li key={g.id} className={active === String(g.id) ? "active" : undefined}>
              <button type="button" className="link-like" aria-pressed={active === String(g.id)} onClick={() => onShow(active === String(g.id) ? "" : String(g.id))}>
                {g.name}
              </button>
              <span className="muted small">{t("groups.charts", { n: number(g.charts) })}</span>
              {deleting === g.id ? (
                <span className="group-confirm">
                  <span className="small">{t("groups.confirmDelete")}</span>
                  <button type="button" className="small-button danger" onClick={() => void remove(g)}>
                    {t("groups.delete")}
                  </button>
                  <button type="button" className="small-button" onClick={() => setDeleting(null)}>
                    {t("common.cancel")}
                  </button>
                </span>
              ) : (
                <button type="button" className="small-button" onClick={() => setDeleting(g.id)} aria-label={t("groups.deleteNamed", { name: g.name })}>
                  {t("groups.delete")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="tag-form" onSubmit={create}>
        <label className="visually-hidden" htmlFor={inputId}>
          {t("groups.newName")}
        </label>
        <input id={inputId} value={name} maxLength={60} placeholder={t("groups.newName")} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="small-button">
          {t("groups.create")}
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
