import { describe, expect, it } from "vitest";
import { collectParams, fieldsOf, parseField, type JsonSchema } from "./schemaForm";

const schema: JsonSchema = {
  properties: {
    date_basis: { type: "string", enum: ["publication", "priority"], default: "publication" },
    start_year: { anyOf: [{ type: "integer", minimum: 1780, maximum: 2200 }, { type: "null" }], default: null },
    cutoff: { anyOf: [{ type: "integer", minimum: 1780, maximum: 2200 }, { const: "auto", type: "string" }, { type: "null" }], default: null },
    confidence: { type: "number", minimum: 0.5, maximum: 0.99, default: 0.95 },
    show_other: { type: "boolean", default: false },
    highlight: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
  },
};

describe("schema form", () => {
  const fields = fieldsOf(schema);
  const by = (name: string) => fields.find((f) => f.name === name)!;

  it("reads the kinds pydantic publishes", () => {
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["date_basis", "enum"],
      ["start_year", "integer"],
      ["cutoff", "mixed"],
      ["confidence", "number"],
      ["show_other", "boolean"],
      ["highlight", "string"],
    ]);
    expect(by("start_year").nullable).toBe(true);
    expect(by("cutoff").options).toEqual(["auto"]);
  });

  it("validates like the server", () => {
    expect(parseField(by("start_year"), "1700")).toEqual({ ok: false, error: "form.min", vars: { n: 1780 } });
    expect(parseField(by("start_year"), "2001.5")).toEqual({ ok: false, error: "form.integer" });
    expect(parseField(by("start_year"), "")).toEqual({ ok: true, value: null });
    expect(parseField(by("cutoff"), "auto")).toEqual({ ok: true, value: "auto" });
    expect(parseField(by("cutoff"), "soon")).toMatchObject({ ok: false, error: "form.numberOr" });
    expect(parseField(by("confidence"), "1.2")).toEqual({ ok: false, error: "form.max", vars: { n: 0.99 } });
  });

  it("sends only what differs from the defaults", () => {
    const { params, errors } = collectParams(fields, { date_basis: "priority", start_year: "2005", confidence: "0.95", show_other: false, highlight: "" });
    expect(errors).toEqual({});
    expect(params).toEqual({ date_basis: "priority", start_year: 2005 });
  });
});
