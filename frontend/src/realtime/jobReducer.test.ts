import { describe, expect, it } from "vitest";
import { backfillLog, initialJobState, jobReducer, jobReducerMany, type JobViewState } from "./jobReducer";
import type { ItemSnapshot, ServerEvent } from "./protocol";

const AT = "2026-11-23T12:00:00Z";

function item(id: number, position: number, status = "PENDING"): ItemSnapshot {
  return { item: id, position, analysis: "publication_trend", status, progress: 0, error: "", attempts: 0, artifacts: {}, duration_ms: null, description: null };
}

function snapshot(seq: number, items: ItemSnapshot[], extra: Partial<{ status: string; succeeded: number; replay_truncated: boolean }> = {}): ServerEvent {
  const succeeded = extra.succeeded ?? items.filter((i) => i.status === "SUCCESS").length;
  return {
    type: "job.snapshot",
    v: 1,
    job: 1,
    seq,
    at: AT,
    data: {
      job: { id: 1, title: "t", status: extra.status ?? "RUNNING", total: items.length, succeeded, failed: 0, cancelled: 0, progress: 0, dataset: { id: 3, name: "d" } },
      items,
      replay_truncated: extra.replay_truncated ?? false,
    },
  };
}

function status(seq: number, id: number, s: string, position = 0): ServerEvent {
  return { type: "item.status", v: 1, job: 1, seq, at: AT, data: { item: id, position, analysis: "publication_trend", status: s, progress: s === "SUCCESS" ? 100 : 0, error: "", attempts: 1 } };
}

function artifact(seq: number, id: number): ServerEvent {
  return { type: "item.artifact", v: 1, job: 1, seq, at: AT, data: { item: id, artifacts: { png: true, svg: true, data_csv: true, data_json: true } } };
}

const start = () => jobReducer(initialJobState, snapshot(5, [item(10, 0), item(11, 1)]));

describe("jobReducer", () => {
  it("applies a snapshot then deltas in order", () => {
    let s = start();
    expect(s.ready).toBe(true);
    expect(s.lastSeq).toBe(5);
    s = jobReducerMany(s, [status(6, 10, "RUNNING"), artifact(7, 10), status(8, 10, "SUCCESS")]);
    expect(s.lastSeq).toBe(8);
    expect(s.items[0]?.status).toBe("SUCCESS");
    expect(s.items[0]?.artifacts.png).toBe("/api/v1/items/10/artifacts/png/");
    expect(s.items[0]?.artifacts.csv).toBe("/api/v1/items/10/artifacts/csv/");
    expect(s.job?.succeeded).toBe(1);
    expect(s.log.map((e) => e.seq)).toEqual([6, 7, 8]);
  });

  it("ignores duplicates: the same event twice changes nothing", () => {
    const once = jobReducerMany(start(), [status(6, 10, "RUNNING"), status(7, 10, "SUCCESS")]);
    const twice = jobReducerMany(once, [status(6, 10, "RUNNING"), status(7, 10, "SUCCESS")]);
    expect(twice).toBe(once);
    expect(twice.job?.succeeded).toBe(1);
  });

  it("holds an early event until the missing one arrives, and flags the gap meanwhile", () => {
    let s = jobReducer(start(), status(7, 10, "SUCCESS"));
    expect(s.lastSeq).toBe(5);
    expect(s.gap).toBe(true);
    expect(s.items[0]?.status).toBe("PENDING");
    s = jobReducer(s, status(6, 10, "RUNNING"));
    expect(s.lastSeq).toBe(7);
    expect(s.gap).toBe(false);
    expect(s.items[0]?.status).toBe("SUCCESS");
    expect(s.log.map((e) => e.seq)).toEqual([6, 7]);
  });

  it("holds events that arrive before the first snapshot and drops those it reflects", () => {
    let s = jobReducer(initialJobState, status(6, 10, "RUNNING"));
    s = jobReducer(s, status(7, 10, "SUCCESS"));
    expect(s.ready).toBe(false);
    s = jobReducer(s, snapshot(6, [item(10, 0, "RUNNING"), item(11, 1)]));
    expect(s.lastSeq).toBe(7);
    expect(s.items[0]?.status).toBe("SUCCESS");
  });

  it("resumes after a reconnect: a newer snapshot, then replayed events fill the log only", () => {
    let s = jobReducer(start(), status(6, 10, "RUNNING"));
    // The socket dropped after seq 6. The server's new snapshot reflects seq 9; it replays 7..9.
    s = jobReducer(s, snapshot(9, [item(10, 0, "SUCCESS"), item(11, 1, "RUNNING")]));
    expect(s.lastSeq).toBe(9);
    expect(s.job?.succeeded).toBe(1);
    s = jobReducerMany(s, [artifact(7, 10), status(8, 10, "SUCCESS"), status(9, 11, "RUNNING")]);
    expect(s.lastSeq).toBe(9);
    expect(s.job?.succeeded).toBe(1); // not counted twice
    expect(s.log.map((e) => e.seq)).toEqual([6, 7, 8, 9]); // the history survives the snapshot
    s = jobReducer(s, status(10, 11, "SUCCESS"));
    expect(s.job?.succeeded).toBe(2);
    expect(s.snapshots).toBe(2);
  });

  it("ignores an older snapshot than what it shows", () => {
    const s = jobReducer(start(), status(6, 10, "RUNNING"));
    expect(jobReducer(s, snapshot(4, [item(10, 0), item(11, 1)]))).toBe(s);
  });

  it("applies transient progress only while running and never backwards", () => {
    let s = jobReducer(start(), status(6, 10, "RUNNING"));
    const progress = (p: number): ServerEvent => ({ type: "item.progress", v: 1, job: 1, seq: null, at: AT, data: { item: 10, progress: p, stage: "render" } });
    s = jobReducer(s, progress(40));
    expect(s.items[0]?.progress).toBe(40);
    expect(s.items[0]?.stage).toBe("render");
    expect(jobReducer(s, progress(20))).toBe(s);
    s = jobReducer(s, status(7, 10, "SUCCESS"));
    expect(jobReducer(s, progress(50)).items[0]?.progress).toBe(100);
    expect(s.log.length).toBe(2); // progress hints are not history
  });

  it("streams a description, then the persisted done event wins", () => {
    let s = jobReducer(start(), status(6, 10, "SUCCESS"));
    const delta = (text: string, generation = 1): ServerEvent => ({ type: "description.delta", v: 1, job: 1, seq: null, at: AT, data: { item: 10, description: 90 + generation, generation, offset: 0, text } });
    s = jobReducer(s, delta("The number"));
    expect(s.items[0]?.description?.text).toBe("The number");
    expect(s.items[0]?.description?.streaming).toBe(true);
    s = jobReducer(s, delta("The number of documents"));
    const done: ServerEvent = { type: "description.done", v: 1, job: 1, seq: 7, at: AT, data: { item: 10, description: 91, generation: 1, status: "SUCCESS", provider: "local", model: "", language: "en", error: "", text: "The number of documents grew." } };
    s = jobReducer(s, done);
    expect(s.items[0]?.description?.text).toBe("The number of documents grew.");
    expect(s.items[0]?.description?.streaming).toBe(false);
    expect(jobReducer(s, delta("The number of"))).toBe(s); // a late delta does not rewind it
    expect(jobReducer(s, delta("Older", 0))).toBe(s);
  });

  it("counts a retried item back out of failed", () => {
    let s = jobReducer(start(), status(6, 10, "FAILED"));
    expect(s.job?.failed).toBe(1);
    s = jobReducer(s, status(7, 10, "PENDING"));
    expect(s.job?.failed).toBe(0);
  });

  it("follows a thousand items without losing one", () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(i + 1, i));
    let s: JobViewState = jobReducer(initialJobState, snapshot(1, items));
    const events: ServerEvent[] = [];
    let seq = 1;
    for (let i = 1; i <= 1000; i += 1) events.push(status(++seq, i, "RUNNING", i - 1), status(++seq, i, "SUCCESS", i - 1));
    // delivered twice, second copy shuffled
    const copy = [...events].reverse();
    s = jobReducerMany(s, [...events, ...copy]);
    expect(s.job?.succeeded).toBe(1000);
    expect(s.lastSeq).toBe(2001);
    expect(s.log.length).toBe(2000);
  });

  it("follows a report pack: progress hints while it is built, then its files", () => {
    let s = start();
    const report = (seq: number, status: string, files: Record<string, string> = {}): ServerEvent => ({
      type: "report.status", v: 1, job: 1, seq, at: AT,
      data: { report: 4, job: 1, title: "t", status, progress: status === "SUCCESS" ? 100 : 0, stage: "", error: "", files },
    });
    s = jobReducer(s, report(6, "PENDING"));
    s = jobReducer(s, { type: "report.progress", v: 1, job: 1, seq: null, at: AT, data: { report: 4, progress: 40, stage: "pdf" } });
    expect(s.reports[4]).toMatchObject({ status: "RUNNING", progress: 40 });
    s = jobReducer(s, report(7, "SUCCESS", { zip: "/api/v1/reports/4/files/zip/" }));
    expect(s.reports[4]?.files.zip).toBe("/api/v1/reports/4/files/zip/");
    expect(jobReducer(s, { type: "report.progress", v: 1, job: 1, seq: null, at: AT, data: { report: 4, progress: 90, stage: "zip" } })).toBe(s);
  });

  it("backfills the log from REST after a truncated replay, in order, once each", () => {
    let s = jobReducer(start(), status(6, 10, "RUNNING"));
    s = jobReducer(s, snapshot(3000, [item(10, 0, "SUCCESS"), item(11, 1, "SUCCESS")], { replay_truncated: true }));
    expect(s.truncated).toBe(true);
    s = backfillLog(s, [status(7, 10, "SUCCESS"), status(6, 10, "RUNNING"), status(8, 11, "SUCCESS")]);
    expect(s.log.map((e) => e.seq)).toEqual([6, 7, 8]);
  });
});
