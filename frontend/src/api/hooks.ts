import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, apiAll, ApiError, type Page } from "./client";
import type {
  Analysis,
  Dataset,
  DatasetDetail,
  DatasetRecords,
  Item,
  Job,
  JobDetail,
  LibraryGroup,
  LibraryTag,
  Providers,
  User,
} from "./types";

/** The user Django put in the page (apps.web), if any: the first screen need not ask for it. */
function embeddedMe(): User | undefined {
  const element = typeof document !== "undefined" ? document.getElementById("intelli-me") : null;
  if (!element?.textContent) return undefined;
  try {
    return JSON.parse(element.textContent) as User;
  } catch {
    return undefined;
  } finally {
    element.remove(); // used once: after a sign-out the session, not the page, is the truth
  }
}

export function useMe() {
  return useQuery<User | null>({
    queryKey: ["me"],
    initialData: embeddedMe,
    queryFn: async () => {
      try {
        return await api<User>("auth/me/");
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
        throw error;
      }
    },
    staleTime: Infinity,
  });
}

export function useDatasets() {
  return useQuery({
    queryKey: ["datasets"],
    queryFn: () => api<Page<Dataset>>("datasets/?limit=50"),
    // Datasets have no socket: while one is being read, look again every 2 s (and only then).
    refetchInterval: (query) =>
      query.state.data?.results.some((d) => d.status === "PENDING" || d.status === "PROCESSING") ? 2000 : false,
  });
}

export function useDataset(id: number) {
  return useQuery({
    queryKey: ["dataset", id],
    queryFn: () => api<DatasetDetail>(`datasets/${id}/`),
    refetchInterval: (query) =>
      query.state.data && (query.state.data.status === "PENDING" || query.state.data.status === "PROCESSING") ? 1500 : false,
  });
}

/** A page of a record-level dataset's publications (the previous page stays shown while the next loads). */
export function useDatasetRecords(id: number, page: number, pageSize: number, enabled: boolean) {
  return useQuery({
    queryKey: ["dataset-records", id, page, pageSize],
    queryFn: () => api<DatasetRecords>(`datasets/${id}/records/?page=${page}&page_size=${pageSize}`),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

export function useAnalyses() {
  return useQuery({ queryKey: ["analyses"], queryFn: () => api<Analysis[]>("analyses/"), staleTime: 5 * 60_000 });
}

export function useProviders() {
  return useQuery({ queryKey: ["providers"], queryFn: () => api<Providers>("ai/providers/"), staleTime: 5 * 60_000 });
}

export function useJob(id: number) {
  return useQuery({ queryKey: ["job", id], queryFn: () => api<JobDetail>(`jobs/${id}/`) });
}

export function useJobs(limit = 50) {
  return useQuery({ queryKey: ["jobs", limit], queryFn: () => api<Page<Job>>(`jobs/?limit=${limit}`) });
}

export function useItem(id: number) {
  return useQuery({ queryKey: ["item", id], queryFn: () => api<Item>(`items/${id}/`) });
}

export interface LibraryChart {
  id: number;
  job: number;
  analysis_key: string;
  title: string | null; // the server's title in the job's language (library API), else null
  jobTitle: string;
  datasetName: string;
  finishedAt: string | null;
  tags: { id: number; name: string }[];
  groups: { id: number; name: string }[];
  published: boolean | null; // null: this server has no library API (no publishing)
}

export interface LibraryResult {
  source: "library" | "jobs";
  charts: LibraryChart[];
}

interface LibraryApiChart {
  id: number;
  job: number;
  job_title: string;
  dataset: { id: number; name: string };
  analysis_key: string;
  title: string;
  finished_at: string | null;
  tags: { id: number; name: string }[];
  groups?: { id: number; name: string }[];
  published: boolean;
}

/**
 * Every chart of the user across jobs: from /api/v1/library/charts/ when the server has it (tags,
 * publication), else from jobs/ and their items. Search and filters run in the browser.
 */
export function useLibrary() {
  return useQuery<LibraryResult>({
    queryKey: ["library"],
    queryFn: async () => {
      try {
        const rows = await apiAll<LibraryApiChart>("library/charts/?limit=200", 2000);
        return {
          source: "library",
          charts: rows.map((c) => ({
            id: c.id,
            job: c.job,
            analysis_key: c.analysis_key,
            title: c.title,
            jobTitle: c.job_title,
            datasetName: c.dataset.name,
            finishedAt: c.finished_at,
            tags: c.tags,
            groups: c.groups ?? [],
            published: c.published,
          })),
        };
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      const jobs = await apiAll<Job>("jobs/?limit=100", 500);
      const details = await Promise.all(
        jobs.filter((j) => j.succeeded > 0).map((j) => api<JobDetail>(`jobs/${j.id}/`).catch(() => null)),
      );
      const charts: LibraryChart[] = [];
      for (const job of details) {
        if (!job) continue;
        for (const item of job.items) {
          if (item.status !== "SUCCESS") continue;
          charts.push({
            id: item.id,
            job: job.id,
            analysis_key: item.analysis_key,
            title: null,
            jobTitle: job.title,
            datasetName: job.dataset_name,
            finishedAt: item.finished_at ?? job.created_at,
            tags: [],
            groups: [],
            published: null,
          });
        }
      }
      return { source: "jobs", charts };
    },
  });
}

/** The user's chart groups, with how many charts each holds (library API only). */
export function useLibraryGroups(enabled: boolean) {
  return useQuery({ queryKey: ["library-groups"], queryFn: () => api<LibraryGroup[]>("library/groups/"), enabled });
}

export function useLibraryTags(enabled: boolean) {
  return useQuery({ queryKey: ["library-tags"], queryFn: () => api<LibraryTag[]>("library/tags/"), enabled });
}
