import { describe, expect, it } from "vitest";
import { parseSystem } from "./system";

describe("parseSystem", () => {
  it("reads /api/v1/system/ (apps.ops)", () => {
    const health = parseSystem({
      ok: false,
      checked_at: "2026-11-23T12:00:00Z",
      checks: [
        { name: "broker", ok: true, summary: "redis answered in 1 ms", hint: "", latency_ms: 1, details: {} },
        { name: "eager_mode", ok: false, summary: "on", hint: "turn it off", latency_ms: null, details: {} },
      ],
      workers: [{ name: "charts_cpu@a", queues: ["charts_cpu"] }],
      queues: [{ name: "charts_cpu", depth: 3, oldest_age_s: 1.5, consumers: ["charts_cpu@a"] }],
      recent_failures: [{ item: 9, job: 2, analysis: "forecast", error: "No years.", finished_at: "2026-11-23T12:00:00Z" }],
    });
    expect(health.ok).toBe(false);
    expect(health.eager).toBe(true);
    expect(health.checks[1]).toEqual({ name: "eager_mode", ok: false, detail: "on — turn it off" });
    expect(health.queues).toEqual([{ name: "charts_cpu", workers: 1, depth: 3, oldestAgeS: 1.5, ok: null }]);
    expect(health.failures[0]).toMatchObject({ item: 9, job: 2, message: "forecast: No years." });
  });

  it("survives an unknown or empty answer", () => {
    expect(parseSystem(null)).toMatchObject({ ok: null, checks: [], queues: [], failures: [] });
  });
});
