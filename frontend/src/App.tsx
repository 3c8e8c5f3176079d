import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useMe } from "./api/hooks";
import { Layout } from "./components/Layout";
import { Spinner } from "./components/ui";
import { useI18n } from "./i18n";

// Each page is its own chunk. The one the URL names starts loading at once, beside the session
// check (auth/me), instead of after it: the first render waits for the slower of the two only.
const pages = {
  signIn: () => import("./pages/SignIn"),
  dashboard: () => import("./pages/Dashboard"),
  datasets: () => import("./pages/Datasets"),
  datasetDetail: () => import("./pages/DatasetDetail"),
  newAnalysis: () => import("./pages/NewAnalysis"),
  jobView: () => import("./pages/JobView"),
  chartDetail: () => import("./pages/ChartDetail"),
  library: () => import("./pages/Library"),
  system: () => import("./pages/System"),
  notFound: () => import("./pages/NotFound"),
};
const PREFETCH: [RegExp, keyof typeof pages][] = [
  [/^\/$/, "dashboard"],
  [/^\/datasets\/?$/, "datasets"],
  [/^\/datasets\/\d+/, "datasetDetail"],
  [/^\/new/, "newAnalysis"],
  [/^\/jobs\/\d+/, "jobView"],
  [/^\/charts\/\d+/, "chartDetail"],
  [/^\/library/, "library"],
  [/^\/system/, "system"],
];
if (typeof window !== "undefined") {
  const match = PREFETCH.find(([re]) => re.test(window.location.pathname));
  if (match) void pages[match[1]]();
}

const SignIn = lazy(pages.signIn);
const Dashboard = lazy(pages.dashboard);
const Datasets = lazy(pages.datasets);
const DatasetDetail = lazy(pages.datasetDetail);
const NewAnalysis = lazy(pages.newAnalysis);
const JobView = lazy(pages.jobView);
const ChartDetail = lazy(pages.chartDetail);
const Library = lazy(pages.library);
const System = lazy(pages.system);
const NotFound = lazy(pages.notFound);

export function App() {
  const me = useMe();
  const location = useLocation();
  const { t } = useI18n();
  if (me.isPending) return <Spinner label={t("common.loading")} />;
  if (!me.data) {
    return (
      <Suspense fallback={<Spinner label={t("common.loading")} />}>
        <SignIn next={location.pathname === "/signin" ? "/" : location.pathname + location.search} />
      </Suspense>
    );
  }
  return (
    <Layout user={me.data}>
      <Suspense fallback={<Spinner label={t("common.loading")} />}>
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/signin" element={<Navigate to="/" replace />} />
          <Route path="/datasets" element={<Datasets />} />
          <Route path="/datasets/:id" element={<DatasetDetail />} />
          <Route path="/new" element={<NewAnalysis />} />
          <Route path="/jobs/:id" element={<JobView />} />
          <Route path="/charts/:id" element={<ChartDetail />} />
          <Route path="/library" element={<Library />} />
          <Route path="/system" element={me.data.is_staff ? <System /> : <NotFound />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
