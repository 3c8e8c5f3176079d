import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type Catalog } from "./en";
import { es } from "./es";

export type Lang = "en" | "es";
export type MessageKey = keyof typeof en;
export const LANGUAGES: Record<Lang, Catalog> = { en, es };
const STORAGE_KEY = "intelli.lang";

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function format(template: string, vars?: Record<string, string | number>): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A label as it reads inside a sentence: "Applicants" → "applicants", "CPC subgroups" unchanged. */
export function inSentence(label: string): string {
  return label.length > 1 && label[1] === label[1]?.toLowerCase() ? label[0]!.toLowerCase() + label.slice(1) : label;
}

export function translator(lang: Lang): Translate {
  const catalog = LANGUAGES[lang];
  return (key, vars) => format(catalog[key] ?? en[key] ?? key, vars);
}

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** A translation if the catalog has one, else the fallback (analysis titles from the server). */
  tx: (key: string, fallback: string) => string;
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
  date: (iso: string | null | undefined) => string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLang(): Lang {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(STORAGE_KEY) : null;
  if (stored === "en" || stored === "es") return stored;
  return typeof navigator !== "undefined" && navigator.language?.toLowerCase().startsWith("es") ? "es" : "en";
}

export function I18nProvider({ children, lang: fixed }: { children: ReactNode; lang?: Lang }) {
  const [chosen, setLangState] = useState<Lang>(fixed ?? initialLang);
  const lang = fixed ?? chosen; // tests (and embedding) may pin the language
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* private mode */
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const t = translator(lang);
    const catalog = LANGUAGES[lang] as Record<string, string>;
    const numberFormat = new Intl.NumberFormat(lang);
    const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    return {
      lang,
      setLang,
      t,
      tx: (key, fallback) => catalog[key] ?? fallback,
      number: (value, options) => (options ? new Intl.NumberFormat(lang, options).format(value) : numberFormat.format(value)),
      date: (iso) => (iso ? dateFormat.format(new Date(iso)) : "—"),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

export function LanguageSwitcher() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switcher">
      <span className="visually-hidden">{t("lang.label")}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
        <option value="en">English</option>
        <option value="es">Español</option>
      </select>
    </label>
  );
}
