import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../i18n";
import JobView from "./JobView";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((c: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const AT = "2026-11-23T12:00:00Z";
const item = (id: number, status = "PENDING") => ({ item: id, position: id - 1, analysis: "forecast", status, progress: 0, error: "", attempts: 0, artifacts: {}, duration_ms: null, description: null });
const snapshot = (seq: number, items: ReturnType<typeof item>[]) => ({
  type: "job.snapshot", v: 1, job: 7, seq, at: AT,
  data: { job: { id: 7, title: "Landscape", status: "RUNNING", total: items.length, succeeded: items.filter((i) => i.status === "SUCCESS").length, failed: 0, cancelled: 0, progress: 0, dataset: { id: 1, name: "d" } }, items, replay_truncated: false },
});
const status = (seq: number, id: number, s: string) => ({ type: "item.status", v: 1, job: 7, seq, at: AT, data: { item: id, position: id - 1, analysis: "forecast", status: s, progress: s === "SUCCESS" ? 100 : 0, error: "", attempts: 1 } });
const artifact = (seq: number, id: number) => ({ type: "item.artifact", v: 1, job: 7, seq, at: AT, data: { item: id, artifacts: { png: true, svg: true, data_csv: true, data_json: true } } });

function send(socket: FakeSocket, ...events: unknown[]) {
  act(() => {
    for (const e of events) socket.onmessage?.({ data: JSON.stringify(e) });
  });
}

describe("JobView", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        const body = String(url).includes("/events/")
          ? { events: [], last_seq: 0, has_more: false }
          : [{ key: "forecast", version: 1, title: "Publication forecast", description: "", params_schema: {}, requires: [], requires_by_param: {} }];
        return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows the snapshot, then live thumbnails and counts, and resumes after a drop", async () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider lang="en">
          <MemoryRouter initialEntries={["/jobs/7"]}>
            <Routes>
              <Route path="/jobs/:id" element={<JobView />} />
            </Routes>
          </MemoryRouter>
        </I18nProvider>
      </QueryClientProvider>,
    );
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toMatch(/\/ws\/jobs\/7\/$/);
    act(() => {
      socket.readyState = 1;
      socket.onopen?.();
    });
    send(socket, snapshot(3, [item(1), item(2)]));
    await screen.findByRole("heading", { name: "Landscape" });
    expect(screen.getByTestId("connection")).toHaveAttribute("data-state", "open");

    send(socket, status(4, 1, "RUNNING"), artifact(5, 1), status(6, 1, "SUCCESS"), status(6, 1, "SUCCESS"));
    await waitFor(() => expect(screen.getByTestId("count-succeeded")).toHaveTextContent("1"));

    act(() => socket.close(1006)); // the server went away
    await waitFor(() => expect(screen.getByTestId("connection")).toHaveAttribute("data-state", "reconnecting"));
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 3000 });
    const again = FakeSocket.all[1]!;
    expect(again.url).toMatch(/\/ws\/jobs\/7\/\?after_seq=6$/);
    act(() => {
      again.readyState = 1;
      again.onopen?.();
    });
    send(again, snapshot(9, [item(1, "SUCCESS"), item(2, "SUCCESS")]), status(7, 2, "RUNNING"), artifact(8, 2), status(9, 2, "SUCCESS"));
    await waitFor(() => expect(screen.getByTestId("count-succeeded")).toHaveTextContent("2"));
    expect(screen.getByTestId("connection")).toHaveAttribute("data-state", "open");
    // Every event once in the activity log, the replayed ones included (it renders at low priority).
    await waitFor(() => {
      const seqs = screen.getAllByText(/^\d+$/, { selector: ".log-seq" }).map((e) => Number(e.textContent));
      expect([...seqs].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
    });
  });
});
