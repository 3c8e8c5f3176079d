import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { I18nProvider, type Lang } from "../i18n";
import { AnalysisThumbnail } from "../pages/NewAnalysis";
import { BulkBar, GroupsPanel } from "./LibraryBulk";
import { cellText, RecordsTable } from "./RecordsTable";

function wrap(node: ReactNode, lang: Lang = "en") {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider lang={lang}>
        <MemoryRouter>{node}</MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

interface Call {
  url: string;
  method: string;
  body: unknown;
}
let calls: Call[] = [];

function serve(handler: (call: Call) => unknown) {
  calls = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const call = { url: String(url), method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(call);
      const body = handler(call);
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
}

beforeEach(() => {
  document.cookie = "csrftoken=t0ken";
});
afterEach(() => vi.unstubAllGlobals());

const page = (n: number, size: number, count = 60) => ({
  count,
  page: n,
  page_size: size,
  pages: Math.ceil(count / size),
  columns: ["publication_number", "title", "applicants", "publication_date", "cited_by_count"],
  results: Array.from({ length: Math.min(size, count - (n - 1) * size) }, (_, i) => ({
    publication_number: `EP${(n - 1) * size + i + 1}A1`,
    title: "Soil sensor",
    applicants: ["ACME", "BETA UNIV"],
    publication_date: "2020-01-02",
    cited_by_count: 1200,
  })),
});

describe("RecordsTable", () => {
  it("shows a page of publications with translated headers and pages on", async () => {
    serve((call) => {
      const url = new URL(call.url, "http://x");
      return page(Number(url.searchParams.get("page")), Number(url.searchParams.get("page_size")));
    });
    wrap(<RecordsTable datasetId={4} />);
    expect(await screen.findByText("EP1A1")).toBeInTheDocument();
    expect(calls[0]!.url).toBe("/api/v1/datasets/4/records/?page=1&page_size=25");
    expect(screen.getAllByTestId("record-row")).toHaveLength(25);
    expect(screen.getByRole("columnheader", { name: "Publication number" })).toBeInTheDocument();
    expect(screen.getAllByText("ACME; BETA UNIV")).toHaveLength(25);
    expect(screen.getAllByText("1,200")).toHaveLength(25);
    expect(screen.getByTestId("records-range")).toHaveTextContent("1–25 of 60 · page 1 of 3");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    expect(screen.getByRole("region")).toHaveAttribute("tabindex", "0");

    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("EP26A1")).toBeInTheDocument();
    expect(screen.getByTestId("records-range")).toHaveTextContent("26–50 of 60 · page 2 of 3");

    fireEvent.change(screen.getByLabelText("Rows per page"), { target: { value: "100" } });
    expect(await screen.findByText("EP60A1")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("speaks Spanish", async () => {
    serve(() => page(1, 25, 3));
    wrap(<RecordsTable datasetId={4} />, "es");
    expect(await screen.findByRole("columnheader", { name: "Número de publicación" })).toBeInTheDocument();
    expect(screen.getByTestId("records-range")).toHaveTextContent("1–3 de 3 · página 1 de 1");
  });

  it("writes cells as text", () => {
    const n = (x: number) => String(x);
    expect(cellText(null, n)).toBe("—");
    expect(cellText([], n)).toBe("—");
    expect(cellText(["A", "B"], n)).toBe("A; B");
    expect(cellText(7, n)).toBe("7");
  });
});

describe("AnalysisThumbnail", () => {
  it("asks the server for the analysis drawn in the UI's language and version", () => {
    const onClick = vi.fn();
    wrap(<AnalysisThumbnail analysisKey="forecast" version={2} title="Previsión" onClick={onClick} />, "es");
    const img = screen.getByTestId("analysis-thumbnail");
    expect(img).toHaveAttribute("src", "/api/v1/analyses/forecast/thumbnail.png?lang=es&v=2");
    expect(img).toHaveAttribute("alt", "Ejemplo: Previsión, dibujado con datos de muestra");
    fireEvent.click(img);
    expect(onClick).toHaveBeenCalled();
    fireEvent.error(img);
    expect(screen.queryByTestId("analysis-thumbnail")).toBeNull();
  });
});

describe("BulkBar", () => {
  const groups = [{ id: 5, name: "Board pack", description: "", charts: 2, created_at: "" }];
  const tags = [{ id: 8, name: "pv", charts: 1, created_at: "" }];

  function bar(selected: number[], onDone = vi.fn()) {
    wrap(<BulkBar selected={selected} shown={4} tags={tags} groups={groups} onSelectShown={vi.fn()} onClear={vi.fn()} onDone={onDone} />);
    return onDone;
  }

  it("adds the selection to a new group, creating it first", async () => {
    serve((call) => (call.url.endsWith("library/groups/") ? { id: 9, name: "Q3" } : { action: "add_to_group", items: 2, changed: 2 }));
    const onDone = bar([1, 2]);
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("2 selected");
    fireEvent.change(screen.getByLabelText("Group name"), { target: { value: "Q3" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply to the selection" }));
    await waitFor(() => expect(screen.getByTestId("bulk-message")).toHaveTextContent("Done: 2 of 2 charts changed."));
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ["POST", "/api/v1/library/groups/"],
      ["POST", "/api/v1/library/charts/bulk/"],
    ]);
    expect(calls[1]!.body).toEqual({ action: "add_to_group", items: [1, 2], group: 9 });
    expect(onDone).toHaveBeenCalledWith("add_to_group");
  });

  it("uses an existing tag whatever its case, and refuses to remove one that does not exist", async () => {
    serve(() => ({ action: "tag", items: 1, changed: 1 }));
    bar([3]);
    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "tag" } });
    fireEvent.change(screen.getByLabelText("Tag name"), { target: { value: "PV" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply to the selection" }));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.body).toEqual({ action: "tag", items: [3], tag: 8 });

    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "untag" } });
    fireEvent.change(screen.getByLabelText("Tag name"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply to the selection" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You have no tag named “nope”.");
    expect(calls).toHaveLength(1);
  });

  it("asks before deleting drafts", async () => {
    serve(() => ({ action: "delete_drafts", items: 2, changed: 2 }));
    const onDone = bar([1, 2]);
    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "delete_drafts" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply to the selection" }));
    expect(screen.getByRole("alertdialog")).toHaveTextContent("Delete the files of 2 draft charts?");
    expect(calls).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Delete the drafts" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith("delete_drafts"));
    expect(calls[0]!.body).toEqual({ action: "delete_drafts", items: [1, 2] });
  });

  it("does nothing without a selection", () => {
    serve(() => ({}));
    bar([]);
    expect(screen.getByRole("button", { name: "Apply to the selection" })).toBeDisabled();
  });
});

describe("GroupsPanel", () => {
  it("lists groups, filters by one, creates and deletes after confirming", async () => {
    serve(() => ({ id: 11, name: "New" }));
    const onShow = vi.fn();
    const onChanged = vi.fn();
    wrap(<GroupsPanel groups={[{ id: 5, name: "Board pack", description: "", charts: 2, created_at: "" }]} active="" onShow={onShow} onChanged={onChanged} />);
    expect(screen.getByText("2 charts")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Board pack" }));
    expect(onShow).toHaveBeenCalledWith("5");

    fireEvent.change(screen.getByLabelText("New group name"), { target: { value: "New" } });
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(calls[0]).toMatchObject({ method: "POST", url: "/api/v1/library/groups/", body: { name: "New" } });

    fireEvent.click(screen.getByRole("button", { name: "Delete the group Board pack" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(2));
    expect(calls[1]).toMatchObject({ method: "DELETE", url: "/api/v1/library/groups/5/" });
  });
});
