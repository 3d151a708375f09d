// Admins: webhook subscriptions (GET/POST/DELETE /webhooks) and each one's deliveries with their
// attempts (GET /webhooks/<id>/deliveries); a failed delivery can be retried.
import {api} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

let shown = null;  // the webhook whose deliveries are listed

function counts(hook) {
  return Object.entries(hook.deliveries || {}).map(([status, count]) => `${status}: ${count}`).join(", ");
}

function hookCard(hook) {
  const actions = [h("button", {type: "button", onclick: () => deliveries(hook).catch(showError)}, t("deliveries"))];
  if (hook.active) {
    actions.push(h("button", {type: "button", class: "secondary", onclick: () => deactivate(hook).catch(showError)},
      t("deactivate")));
  }
  return h("li", {dataset: {key: `hook:${hook.id}`, active: String(hook.active)}},
    h("span", {class: "title"}, hook.url),
    h("p", {class: "meta"}, [hook.topics.join(", "), hook.active ? t("active") : t("inactive"), counts(hook)]
      .filter(Boolean).join(" · ")),
    hook.description ? h("p", {}, hook.description) : null,
    h("p", {class: "actions"}, ...actions));
}

function deliveryCard(hook, delivery) {
  const last = (delivery.attempt_log || []).at(-1);
  return h("li", {dataset: {key: `delivery:${delivery.id}`, status: delivery.status}},
    h("span", {class: "title"}, `${delivery.event_type} · #${delivery.event_id}`),
    h("p", {class: "meta"}, [delivery.status, t("attempts", {count: delivery.attempts}),
      last ? String(last.status_code ?? last.error ?? "") : ""]
      .filter(Boolean).join(" · ")),
    delivery.status === "failed"
      ? h("button", {type: "button", onclick: () => retry(hook, delivery).catch(showError)}, t("retry"))
      : null);
}

async function load() {
  const page = await api("/webhooks", {query: {limit: 100}});
  fill($("#hooks"), page.items, hookCard);
  if (shown) await deliveries(shown);
}

async function deliveries(hook) {
  shown = hook;
  const page = await api(`/webhooks/${hook.id}/deliveries`, {query: {limit: 50}});
  $("#h-deliveries").textContent = t("deliveries_of", {url: hook.url});
  fill($("#deliveries"), page.items, (delivery) => deliveryCard(hook, delivery));
  $("#deliveries-section").hidden = false;
}

async function deactivate(hook) {
  await api(`/webhooks/${hook.id}`, {method: "DELETE"});
  flash(t("saved"));
  await load();
}

async function retry(hook, delivery) {
  await api(`/webhooks/${hook.id}/deliveries/${delivery.id}/retry`, {method: "POST"});
  await deliveries(hook);
}

$("#hook-form").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const body = {url: $("#hook-url").value.trim(),
                topics: $("#hook-topics").value.split(",").map((topic) => topic.trim()).filter(Boolean)};
  const description = $("#hook-description").value.trim();
  if (description) body.description = description;
  try {
    const created = await api("/webhooks", {method: "POST", body});
    const secret = $("#hook-secret");
    secret.textContent = t("webhook_secret", {secret: created.secret});
    secret.hidden = false;
    submit.target.reset();
    clearFieldErrors(submit.target);
    await load();
  } catch (error) {
    showFieldErrors(submit.target, error);
  }
});

boot({load});
