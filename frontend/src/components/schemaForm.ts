// A form generated from an analysis' params JSON Schema (pydantic's output): the field kinds it
// uses, the text each input holds, and validation that mirrors the server's (which stays the judge).

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

export type FieldKind = "enum" | "boolean" | "integer" | "number" | "string" | "list" | "mixed";

export interface FieldSpec {
  name: string;
  title: string;
  description: string;
  kind: FieldKind;
  nullable: boolean;
  required: boolean;
  options: string[]; // enum values, or constants accepted beside a number ("auto")
  numeric: JsonSchema | null; // the numeric branch (bounds)
  string: JsonSchema | null;
  defaultValue: unknown;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    const target = root.$defs?.[name];
    return target ? { ...target, ...schema, $ref: undefined } : schema;
  }
  if (schema.allOf && schema.allOf.length === 1 && schema.allOf[0]) return { ...resolve(schema.allOf[0], root), ...schema, allOf: undefined };
  return schema;
}

export function fieldsOf(schema: JsonSchema): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const s = resolve(raw, schema);
    const branches = (s.anyOf ?? s.oneOf ?? [s]).map((b) => resolve(b, schema));
    const nullable = branches.some((b) => b.type === "null");
    const real = branches.filter((b) => b.type !== "null");
    const numeric = real.find((b) => b.type === "integer" || b.type === "number") ?? null;
    const enumBranch = real.find((b) => Array.isArray(b.enum));
    const consts = real.filter((b) => b.const !== undefined).map((b) => String(b.const));
    const stringBranch = real.find((b) => b.type === "string" && b.const === undefined && !b.enum) ?? null;
    const boolean = real.some((b) => b.type === "boolean");
    const list = real.find((b) => b.type === "array");
    let kind: FieldKind;
    let options: string[] = [];
    if (enumBranch && real.length === 1) {
      kind = "enum";
      options = (enumBranch.enum ?? []).map(String);
    } else if (boolean && real.length === 1) kind = "boolean";
    else if (numeric && consts.length && !stringBranch) {
      kind = "mixed";
      options = consts;
    } else if (numeric && real.length === 1) kind = numeric.type === "integer" ? "integer" : "number";
    else if (list) kind = "list";
    else kind = "string";
    return {
      name,
      title: s.title ?? name,
      description: s.description ?? "",
      kind,
      nullable,
      required: required.has(name),
      options,
      numeric,
      string: stringBranch,
      defaultValue: s.default,
    };
  });
}

/** The text an input shows for a value. */
export function toText(field: FieldSpec, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (field.kind === "list" && Array.isArray(value)) return value.join(", ");
  return String(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string; vars?: Record<string, string | number> };

function checkNumber(schema: JsonSchema, n: number): Parsed {
  if (schema.type === "integer" && !Number.isInteger(n)) return { ok: false, error: "form.integer" };
  if (schema.minimum !== undefined && n < schema.minimum) return { ok: false, error: "form.min", vars: { n: schema.minimum } };
  if (schema.maximum !== undefined && n > schema.maximum) return { ok: false, error: "form.max", vars: { n: schema.maximum } };
  if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) return { ok: false, error: "form.gt", vars: { n: schema.exclusiveMinimum } };
  if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) return { ok: false, error: "form.lt", vars: { n: schema.exclusiveMaximum } };
  return { ok: true, value: n };
}

/** Parse what the user typed; errors are i18n keys (with their variables). */
export function parseField(field: FieldSpec, text: string | boolean): Parsed {
  if (field.kind === "boolean") return { ok: true, value: Boolean(text) };
  const raw = String(text).trim();
  if (raw === "") {
    if (field.nullable) return { ok: true, value: null };
    if (field.required) return { ok: false, error: "form.required" };
    return { ok: true, value: undefined };
  }
  switch (field.kind) {
    case "enum":
      return field.options.includes(raw) ? { ok: true, value: raw } : { ok: false, error: "form.choose" };
    case "integer":
    case "number":
    case "mixed": {
      if (field.kind === "mixed" && field.options.includes(raw)) return { ok: true, value: raw };
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        return field.kind === "mixed"
          ? { ok: false, error: "form.numberOr", vars: { options: field.options.join(", ") } }
          : { ok: false, error: "form.number" };
      }
      return checkNumber(field.numeric ?? {}, n);
    }
    case "list":
      return { ok: true, value: raw.split(",").map((s) => s.trim()).filter(Boolean) };
    default: {
      const s = field.string ?? {};
      if (s.minLength !== undefined && raw.length < s.minLength) return { ok: false, error: "form.minLength", vars: { n: s.minLength } };
      if (s.maxLength !== undefined && raw.length > s.maxLength) return { ok: false, error: "form.maxLength", vars: { n: s.maxLength } };
      if (s.pattern && !new RegExp(s.pattern).test(raw)) return { ok: false, error: "form.pattern" };
      return { ok: true, value: raw };
    }
  }
}

/** Validate every field: the params to send (only the ones that differ from the default) and the errors. */
export function collectParams(
  fields: FieldSpec[],
  texts: Record<string, string | boolean>,
): { params: Record<string, unknown>; errors: Record<string, Parsed & { ok: false }> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, Parsed & { ok: false }> = {};
  for (const field of fields) {
    if (!(field.name in texts)) continue;
    const parsed = parseField(field, texts[field.name] ?? "");
    if (!parsed.ok) errors[field.name] = parsed;
    else if (parsed.value !== undefined && JSON.stringify(parsed.value) !== JSON.stringify(field.defaultValue ?? null)) {
      params[field.name] = parsed.value;
    }
  }
  return { params, errors };
}
