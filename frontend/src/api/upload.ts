// Uploads go through XMLHttpRequest: fetch cannot report upload progress.
import { ApiError, csrfToken, ensureCsrf, type ErrorBody } from "./client";

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadHandle<T> {
  promise: Promise<T>;
  abort: () => void;
}

export function uploadDataset<T>(
  files: File[],
  name: string,
  onProgress: (progress: UploadProgress) => void,
): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = (async () => {
    await ensureCsrf();
    return new Promise<T>((resolve, reject) => {
      const form = new FormData();
      for (const file of files) form.append("file", file);
      if (name) form.append("name", name);
      xhr.open("POST", "/api/v1/datasets/");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.withCredentials = true;
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
        else {
          const error = (body as ErrorBody | null)?.error;
          reject(
            new ApiError(xhr.status, error?.code ?? "http_error", error?.message ?? `${xhr.status}`, error?.fields ?? {}),
          );
        }
      };
      xhr.onerror = () => reject(new ApiError(0, "network", "network"));
      xhr.onabort = () => reject(new ApiError(0, "aborted", "aborted"));
      xhr.send(form);
    });
  })();
  return { promise, abort: () => xhr.abort() };
}
