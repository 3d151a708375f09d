// Sign-in: the API sets the HttpOnly session cookie; this page never sees a token.
import {api} from "../core/api.js";
import {$} from "../core/dom.js";
import {boot} from "../core/shell.js";

const form = $("#login-form");
form.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const error = $("#login-error");
  error.hidden = true;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("/auth/session", {method: "POST", body: {email: form.email.value.trim(), password: form.password.value}});
    location.assign(form.dataset.next || "/");
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
boot();
