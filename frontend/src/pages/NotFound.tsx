import { Link } from "react-router-dom";
import { useI18n } from "../i18n";

export default function NotFound() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("common.notFound")}</h1>
      <Link to="/">{t("nav.dashboard")}</Link>
    </div>
  );
}
