import { useId, useState } from "react";
import { useDatasetRecords } from "../api/hooks";
import type { DatasetRecord, RecordColumn } from "../api/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBox, Spinner } from "./ui";

export const PAGE_SIZES = [10, 25, 50, 100] as const;

/** A cell as text: lists joined, missing values as a dash, numbers in the reader's locale. */
export function cellText(value: DatasetRecord[RecordColumn] | undefined, number: (n: number) => string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.join("; ") : "—";
  if (typeof value === "number") return number(value);
  return value;
}

const WIDE: ReadonlySet<RecordColumn> = new Set(["title", "applicants", "inventors", "cpc", "ipc"]);

/**
 * The first publications of a record-level dataset, a page at a time, from
 * `GET /api/v1/datasets/<id>/records/`: only the columns the dataset carries are shown.
 */
export function RecordsTable({ datasetId }: { datasetId: number }) {
  const { t, number } = useI18n();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(25);
  const records = useDatasetRecords(datasetId, page, pageSize, true);
  const sizeId = useId();
  const regionId = useId();
  if (records.isPending) return <Spinner label={t("common.loading")} />;
  if (records.error || !records.data) return <ErrorBox error={records.error ?? t("common.notFound")} />;
  const data = records.data;
  const first = data.count === 0 ? 0 : (data.page - 1) * data.page_size + 1;
  const last = Math.min(data.count, data.page * data.page_size);
  return (
    <div className="records" data-testid="records">
      <div
        className="table-scroll records-scroll"
        role="region"
        aria-labelledby={regionId}
        tabIndex={0} // a keyboard can scroll the wide table sideways
      >
        <table className="table records-table" aria-busy={records.isFetching}>
          <caption id={regionId} className="visually-hidden">
            {t("records.caption", { from: first, to: last, count: data.count })}
          </caption>
          <thead>
            <tr>
              {data.columns.map((column) => (
                <th key={column} scope="col" className={WIDE.has(column) ? "wide" : undefined}>
                  {t(`records.col.${column}` as MessageKey)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.results.map((row, index) => (
              <tr key={row.publication_number ?? index} data-testid="record-row">
                {data.columns.map((column, i) =>
                  i === 0 ? (
                    <th key={column} scope="row">
                      {cellText(row[column], number)}
                    </th>
                  ) : (
                    <td key={column} className={WIDE.has(column) ? "wide" : undefined}>
                      {cellText(row[column], number)}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button type="button" className="small-button" onClick={() => setPage((p) => Math.max(1, p - 1))} disabled={data.page <= 1}>
          {t("records.previous")}
        </button>
        <span role="status" aria-live="polite" data-testid="records-range">
          {t("records.range", { from: number(first), to: number(last), count: number(data.count) })} ·{" "}
          {t("records.page", { page: number(data.page), pages: number(data.pages) })}
        </span>
        <button type="button" className="small-button" onClick={() => setPage((p) => p + 1)} disabled={data.page >= data.pages}>
          {t("records.next")}
        </button>
        <label htmlFor={sizeId} className="pager-size">
          {t("records.pageSize")}
        </label>
        <select
          id={sizeId}
          value={pageSize}
          onChange={(e) => {
            setPageSize(Number(e.target.value));
            setPage(1);
          }}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
