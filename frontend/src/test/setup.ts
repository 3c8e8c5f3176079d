import "@testing-library/jest-dom/vitest";

// jsdom has no layout: a ResizeObserver that never fires is enough for the virtualised grid.
class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (!("ResizeObserver" in globalThis)) {
  (globalThis as unknown as { ResizeObserver: typeof NoResizeObserver }).ResizeObserver = NoResizeObserver;
}
