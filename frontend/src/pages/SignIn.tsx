import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { api, ApiError } from "../api/client";
import type { User } from "../api/types";
import { LanguageSwitcher, useI18n } from "../i18n";

export default function SignIn({ next = "/" }: { next?: string }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api<User>("auth/login/", { method: "POST", body: { username, password } });
      queryClient.setQueryData(["me"], user);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e instanceof ApiError && (e.status === 400 || e.status === 401 || e.status === 403) ? t("signin.invalid") : e instanceof ApiError && e.status === 429 ? t("signin.throttled") : t("signin.failed"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="signin-head">
          <h1 id="signin-title">{t("signin.title")}</h1>
          <LanguageSwitcher />
        </div>
        <p className="muted">{t("signin.lead")}</p>
        <label htmlFor="username">{t("signin.username")}</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="password">{t("signin.password")}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="error-box" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("signin.busy") : t("signin.submit")}
        </button>
      </form>
    </main>
  );
}
