import { useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { User } from "../api/types";
import { LanguageSwitcher, useI18n } from "../i18n";
import { Notifications } from "./Notifications";

export function Layout({ user, children }: { user: User; children: ReactNode }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = async () => {
    await api("auth/logout/", { method: "POST" }).catch(() => undefined);
    queryClient.clear();
    queryClient.setQueryData(["me"], null);
    navigate("/");
  };
  const links: [string, string][] = [
    ["/", t("nav.dashboard")],
    ["/datasets", t("nav.datasets")],
    ["/new", t("nav.newAnalysis")],
    ["/library", t("nav.library")],
  ];
  if (user.is_staff) links.push(["/system", t("nav.system")]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <span className="brand">Intelli</span>
        <nav aria-label={t("nav.main")}>
          <ul>
            {links.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to} end={to === "/"}>
                  {label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <Notifications />
          <LanguageSwitcher />
          <span className="user" title={user.email}>
            {user.username}
          </span>
          <button type="button" className="link-button" onClick={signOut}>
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
