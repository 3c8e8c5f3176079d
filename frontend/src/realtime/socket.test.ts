import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, LiveSocket, type ConnectionState } from "./socket";

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
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  message(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1]!;

function make(lastSeq: { value: number | null }, states: ConnectionState[], events: unknown[]) {
  return new LiveSocket<unknown>({
    path: "/ws/jobs/7/",
    onEvent: (e) => events.push(e),
    resumeFrom: () => lastSeq.value,
    onStateChange: (s) => states.push(s),
    random: () => 0.5,
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    location: { protocol: "http:", host: "example.test" },
    pingIntervalMs: 1000,
  });
}

describe("LiveSocket", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it("backs off exponentially with jitter, capped, and never gives up", () => {
    expect(backoffDelay(0, 500, 15000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 15000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 15000, () => 0.5)).toBe(3000);
    expect(backoffDelay(30, 500, 15000, () => 1)).toBe(15000);
    const states: ConnectionState[] = [];
    const socket = make({ value: null }, states, []).start();
    for (let i = 0; i < 40; i += 1) {
      last().drop();
      vi.advanceTimersByTime(15000);
    }
    expect(FakeSocket.all.length).toBe(41);
    expect(states.at(-1)).toBe("reconnecting");
    socket.stop();
  });

  it("reconnects with the last applied sequence number and reports its state", () => {
    const seq = { value: null as number | null };
    const states: ConnectionState[] = [];
    const events: unknown[] = [];
    const socket = make(seq, states, events).start();
    expect(last().url).toBe("ws://example.test/ws/jobs/7/");
    last().open();
    last().message({ type: "job.snapshot", seq: 4 });
    expect(events).toHaveLength(1);
    seq.value = 12;
    last().drop();
    expect(states).toEqual(["connecting", "open", "reconnecting"]);
    vi.advanceTimersByTime(1000);
    expect(last().url).toBe("ws://example.test/ws/jobs/7/?after_seq=12");
    last().open();
    expect(states.at(-1)).toBe("open");
    socket.stop();
    expect(states.at(-1)).toBe("closed");
  });

  it("stops for good when the server says the job is not there", () => {
    const states: ConnectionState[] = [];
    make({ value: null }, states, []).start();
    last().open();
    last().drop(4404);
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(states.at(-1)).toBe("closed");
  });

  it("pings, and drops a connection that has gone silent", () => {
    const socket = make({ value: null }, [], []).start();
    last().open();
    vi.advanceTimersByTime(1000);
    expect(last().sent).toContain(JSON.stringify({ action: "ping" }));
    vi.advanceTimersByTime(3000); // no message for 2.5 intervals: closed and retried
    vi.advanceTimersByTime(2000);
    expect(FakeSocket.all.length).toBeGreaterThan(1);
    socket.stop();
  });
});
