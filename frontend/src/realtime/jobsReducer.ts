// The job list socket (/ws/jobs/): a snapshot of recent jobs, then one summary per change.
import type { JobSummary, JobsListEvent } from "./protocol";

export interface JobsState {
  ready: boolean;
  jobs: JobSummary[];
}

export const initialJobsState: JobsState = { ready: false, jobs: [] };

export function jobsReducer(state: JobsState, event: JobsListEvent): JobsState {
  if (event.type === "jobs.snapshot") return { ready: true, jobs: event.data.jobs };
  if (event.type === "job.updated") {
    const at = state.jobs.findIndex((job) => job.id === event.data.id);
    if (at === -1) return { ...state, jobs: [event.data, ...state.jobs].sort((a, b) => b.id - a.id) };
    const jobs = state.jobs.slice();
    jobs[at] = { ...jobs[at], ...event.data };
    return { ...state, jobs };
  }
  return state;
}
