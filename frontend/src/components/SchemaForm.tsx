import { useI18n, type MessageKey } from "../i18n";
import type { FieldSpec, Parsed } from "./schemaForm";

interface Props {
  idPrefix: string;
  fields: FieldSpec[];
  texts: Record<string, string | boolean>;
  errors: Record<string, Parsed & { ok: false }>;
  onChange: (name: string, value: string | boolean) => void;
}

export function SchemaForm({ idPrefix, fields, texts, errors, onChange }: Props) {
  const { t, tx } = useI18n();
  return (
    <div className="schema-form">
      {fields.map((field) => {
        const id = `${idPrefix}-${field.name}`;
        const error = errors[field.name];
        const hint = tx(`param.${field.name}.help`, field.description);
        const label = tx(`param.${field.name}`, field.title);
        const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
        const value = texts[field.name];
        return (
          <div key={field.name} className={`field${error ? " invalid" : ""}`}>
            {field.kind === "boolean" ? (
              <label className="check">
                <input
                  id={id}
                  type="checkbox"
                  checked={Boolean(value)}
                  aria-describedby={describedBy}
                  onChange={(e) => onChange(field.name, e.target.checked)}
                />
                {label}
              </label>
            ) : (
              <>
                <label htmlFor={id}>{label}</label>
                {field.kind === "enum" ? (
                  <select id={id} value={String(value ?? "")} aria-describedby={describedBy} onChange={(e) => onChange(field.name, e.target.value)}>
                    {field.nullable && <option value="">{t("form.default")}</option>}
                    {field.options.map((o) => (
                      <option key={o} value={o}>
                        {tx(`option.${o}`, o)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={id}
                    inputMode={field.kind === "integer" || field.kind === "number" ? "numeric" : undefined}
                    value={String(value ?? "")}
                    placeholder={field.nullable ? t("form.auto") : undefined}
                    aria-invalid={Boolean(error)}
                    aria-describedby={describedBy}
                    onChange={(e) => onChange(field.name, e.target.value)}
                  />
                )}
              </>
            )}
            {hint && (
              <p id={`${id}-hint`} className="hint">
                {hint}
              </p>
            )}
            {error && (
              <p id={`${id}-error`} className="field-error" role="alert">
                {t(error.error as MessageKey, error.vars)}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
