import { describe, expect, it } from "vitest";
import { en } from "./en";
import { es } from "./es";
import { format } from "./index";

describe("catalogs", () => {
  it("English and Spanish have exactly the same keys", () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it("every Spanish message is written and keeps the English placeholders", () => {
    for (const [key, text] of Object.entries(en)) {
      const translated = es[key as keyof typeof en];
      expect(translated.trim(), key).not.toBe("");
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(translated), key).toEqual(vars(text));
    }
  });

  it("formats placeholders", () => {
    expect(format("{a} of {b}", { a: 1, b: 2 })).toBe("1 of 2");
    expect(format("{missing}", {})).toBe("{missing}");
  });
});
