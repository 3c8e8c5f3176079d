import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import { I18nProvider, type Lang } from "../i18n";
import { ItemCard, logText } from "../pages/JobView";
import type { ItemView } from "../realtime/jobReducer";
import { translator } from "../i18n";
import { ConnectionBadge } from "./ui";

function wrap(node: React.ReactNode, lang: Lang = "en") {
  return render(
    <I18nProvider lang={lang}>
      <MemoryRouter>{node}</MemoryRouter>
    </I18nProvider>,
  );
}

const base: ItemView = { id: 3, position: 0, analysis: "forecast", status: "RUNNING", progress: 40, stage: "", error: "", attempts: 1, artifacts: {}, durationMs: null, description: null };

describe("ItemCard", () => {
  it("shows progress while running, then the thumbnail once the PNG exists", () => {
    const { rerender } = wrap(<ItemCard item={base} title="Forecast" onRetry={() => undefined} />);
    expect(screen.getByRole("progressbar", { name: "Progress of Forecast" })).toHaveAttribute("aria-valuenow", "40");
    expect(screen.queryByTestId("thumbnail")).toBeNull();
    rerender(
      <I18nProvider lang="en">
        <MemoryRouter>
          <ItemCard item={{ ...base, status: "SUCCESS", artifacts: { png: "/api/v1/items/3/artifacts/png/" } }} title="Forecast" onRetry={() => undefined} />
        </MemoryRouter>
      </I18nProvider>,
    );
    expect(screen.getByTestId("thumbnail")).toHaveAttribute("alt", "Chart: Forecast");
    expect(screen.getByText("Done")).toBeInTheDocument();
  });

  it("offers a retry for a failed chart and shows why it failed, in Spanish too", () => {
    const onRetry = vi.fn();
    wrap(<ItemCard item={{ ...base, status: "FAILED", error: "The dataset has no inventors." }} title="Inventores" onRetry={onRetry} />, "es");
    expect(screen.getByText("The dataset has no inventors.")).toBeInTheDocument();
    screen.getByRole("button", { name: "Reintentar" }).click();
    expect(onRetry).toHaveBeenCalledWith(3);
    expect(screen.getByText("Fallido")).toBeInTheDocument();
  });

  it("streams a description as it is written", () => {
    wrap(<ItemCard item={{ ...base, status: "SUCCESS", description: { item: 3, description: 1, generation: 1, status: "RUNNING", provider: "local", model: "", language: "en", error: "", text: "Filings grew", streaming: true } }} title="F" onRetry={() => undefined} />);
    const text = screen.getByTestId("description");
    expect(text).toHaveTextContent("Filings grew");
    expect(text).toHaveClass("streaming");
  });
});

describe("ConnectionBadge", () => {
  it("says when the socket is live and when it retries", () => {
    const { rerender } = wrap(<ConnectionBadge connection={{ state: "open", retryInMs: null, attempt: 0 }} />);
    expect(screen.getByTestId("connection")).toHaveTextContent("Live");
    rerender(
      <I18nProvider lang="es">
        <MemoryRouter>
          <ConnectionBadge connection={{ state: "reconnecting", retryInMs: 2500, attempt: 2 }} />
        </MemoryRouter>
      </I18nProvider>,
    );
    expect(screen.getByTestId("connection")).toHaveTextContent("reintento en 2,5 s");
  });
});

describe("activity log text", () => {
  it("translates the protocol's events", () => {
    const t = translator("es");
    const entry = { seq: 4, at: "2026-11-23T12:00:00Z", type: "item.status", item: 3, data: { status: "SUCCESS", item: 3 } };
    expect(logText(entry, t, () => "#1 Previsión")).toBe("#1 Previsión: Hecho");
    expect(logText({ ...entry, type: "job.finished", data: { succeeded: 7, total: 8, failed: 1 } }, translator("en"), () => "")).toBe(
      "Job finished: 7 of 8 charts drawn, 1 failed",
    );
  });
});
