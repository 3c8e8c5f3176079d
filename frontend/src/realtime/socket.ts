// The one WebSocket client of the app. It reconnects forever (exponential backoff with full
// jitter, capped), asks the server to resume after the last sequence number the caller applied,
// pings to notice a dead connection, and reports its state for the UI. It never polls: while the
// socket is up, nothing else asks the server for the same facts.

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface SocketOptions<E> {
  /** The path (e.g. /ws/jobs/7/); `resumeFrom()` is added as ?after_seq= on reconnects. */
  path: string;
  onEvent: (event: E) => void;
  /** The last sequence number the caller applied, or null to take a snapshot only. */
  resumeFrom?: () => number | null;
  onStateChange?: (state: ConnectionState, info: { attempt: number; retryInMs: number | null; code?: number }) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pingIntervalMs?: number;
  random?: () => number;
  WebSocketImpl?: typeof WebSocket;
  location?: { protocol: string; host: string };
}

/** Close codes after which retrying cannot help (not signed in, no such job). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 4404]);

export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 16));
  // "Full jitter" over the upper half: spreads reconnecting browsers apart, never zero.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class LiveSocket<E> {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  private stopped = false;
  private opened = false;
  state: ConnectionState = "connecting";

  constructor(private readonly options: SocketOptions<E>) {}

  start(): this {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopPing();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      socket.close(1000);
    }
    this.setState("closed", null);
  }

  send(message: unknown): boolean {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  /** Drop the connection and reconnect now (e.g. when the browser comes back online). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    if (this.timer) clearTimeout(this.timer);
    if (this.socket) this.socket.close(4000);
    else this.connect();
  }

  private url(): string {
    const loc = this.options.location ?? window.location;
    const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
    const after = this.opened ? this.options.resumeFrom?.() : null;
    const query = after !== null && after !== undefined && after > 0 ? `?after_seq=${after}` : "";
    return `${scheme}//${loc.host}${this.options.path}${query}`;
  }

  private setState(state: ConnectionState, retryInMs: number | null, code?: number): void {
    this.state = state;
    this.options.onStateChange?.(state, { attempt: this.attempt, retryInMs, code });
  }

  private connect(): void {
    if (this.stopped) return;
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    this.setState(this.attempt === 0 && !this.opened ? "connecting" : "reconnecting", null);
    let socket: WebSocket;
    try {
      socket = new Impl(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.opened = true;
      this.lastMessageAt = Date.now();
      this.setState("open", null);
      this.startPing();
    };
    socket.onmessage = (message: MessageEvent) => {
      this.lastMessageAt = Date.now();
      let event: E;
      try {
        event = JSON.parse(String(message.data)) as E;
      } catch {
        return;
      }
      this.options.onEvent(event);
    };
    socket.onclose = (close: CloseEvent) => {
      this.stopPing();
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (FATAL_CLOSE_CODES.has(close.code)) {
        this.setState("closed", null, close.code);
        return;
      }
      this.scheduleReconnect(close.code);
    };
    socket.onerror = () => {
      /* onclose follows and decides */
    };
  }

  private scheduleReconnect(code?: number): void {
    const random = this.options.random ?? Math.random;
    const delay = backoffDelay(this.attempt, this.options.baseDelayMs ?? 500, this.options.maxDelayMs ?? 15000, random);
    this.attempt += 1;
    this.setState("reconnecting", delay, code);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private startPing(): void {
    const every = this.options.pingIntervalMs ?? 20000;
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastMessageAt > every * 2.5) {
        this.socket?.close(4000); // silent for too long: assume the connection is dead
        return;
      }
      this.send({ action: "ping" });
    }, every);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
