// Accepting an invitation: the account is created; then sign in.
import {api} from "../core/api.js";
import {$} from "../core/dom.js";
import {LANG, t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const form = $("#accept-form");
form.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const error = $("#form-error");
  error.hidden = true;
  try {
    await api("/invitations/accept", {method: "POST", body: {
      token: form.token.value.trim(), name: form.name.value.trim(), password: form.password.value, language: LANG}});
    form.replaceChildren();
    const done = document.createElement("p");
    done.className = "notice";
    done.setAttribute("role", "status");
    done.append(t("welcome"), " ");
    const link = document.createElement("a");
    link.href = "/login";
    link.textContent = document.querySelector("header a[href^='/login']")?.textContent || "→";
    done.append(link);
    form.append(done);
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  }
});
boot();
