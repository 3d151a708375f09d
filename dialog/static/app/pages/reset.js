// Password reset: ask for a link by mail, or (with the mail's token) choose a new password.
import {api} from "../core/api.js";
import {$, flash} from "../core/dom.js";
import {t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

function handle(form, send, done) {
  form?.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const error = $("#form-error");
    error.hidden = true;
    try {
      await send(form);
      form.hidden = true;
      flash(done);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
}

handle($("#request-form"), (form) => api("/auth/password-reset", {method: "POST", body: {email: form.email.value.trim()}}),
       t("reset_sent"));
handle($("#confirm-form"), (form) => api("/auth/password-reset/confirm", {method: "POST", body: {
  token: form.dataset.token, new_password: form.password.value}}), t("password_changed"));
boot();
