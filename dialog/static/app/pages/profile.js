// Profile, language and mail preferences, password, and closing the account.
import {api} from "../core/api.js";
import {$, flash} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const profile = $("#profile-form");
const FIELDS = ["name", "handle", "organisation", "municipality", "bio", "language", "digest"];
let language = null;

async function load() {
  const me = await api("/me");
  for (const field of FIELDS) profile[field].value = me[field] ?? "";
  language = me.language;
  for (const box of profile.querySelectorAll("[data-kind]")) {
    box.checked = Boolean(me.notification_preferences?.[box.dataset.kind]?.mail);
  }
}

profile.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const changes = Object.fromEntries(FIELDS.map((field) => [field, profile[field].value.trim()]));
  for (const optional of ["organisation", "municipality", "bio"]) if (!changes[optional]) changes[optional] = null;
  changes.notification_preferences = Object.fromEntries([...profile.querySelectorAll("[data-kind]")]
    .map((box) => [box.dataset.kind, {mail: box.checked}]));
  try {
    await api("/me", {method: "PATCH", body: changes});
    clearFieldErrors(profile);
    if (changes.language !== language) {
      location.assign(`/profile?lang=${changes.language}`);  // the pages follow the new language at once
      return;
    }
    flash(t("saved"));
  } catch (error) {
    showFieldErrors(profile, error);
  }
});

$("#password-form").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  try {
    await api("/me/password", {method: "POST", body: {
      current_password: $("#current-password").value, new_password: $("#new-password").value}});
    submit.target.reset();
    clearFieldErrors(submit.target);
    flash(t("saved"));
  } catch (error) {
    showFieldErrors(submit.target, error);
  }
});

$("#close-form").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  if (!window.confirm(t("confirm_delete"))) return;
  try {
    await api("/me", {method: "DELETE", body: {
      password: $("#close-password").value,
      posts: $("#close-posts").value}});
    location.assign("/");
  } catch (error) {
    showFieldErrors(submit.target, error);
  }
});

boot({load});
