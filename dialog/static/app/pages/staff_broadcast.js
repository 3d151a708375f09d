// Admins broadcast an announcement, or open an announced call now, and watch the broadcast's reach
// count up: GET .../reach is read once a second while a broadcast is chosen (the counts are written
// by every web process as it pushes, and by the webhook and mail workers as they deliver).
import {all, api} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

// The counts shown, in this order, as far as the API answers them.
const COUNTS = ["live_sessions", "stream_clients", "webhooks", "emails", "inboxes", "reads"];
let target = null;  // {path, label}
let timer = null;

function multi(de, en) {
  const value = {de: de.trim()};
  if (en.trim()) value.en = en.trim();
  return value;
}

async function showReach() {
  if (!target) return;
  try {
    const reach = await api(target.path);
    const rows = COUNTS.filter((key) => key in reach).flatMap((key) => [
      h("dt", {}, t(`reach_${key}`)), h("dd", {dataset: {count: key}}, String(reach[key] ?? 0))]);
    $("#reach").replaceChildren(...rows);
  } catch (error) {
    showError(error);
  }
}

function watch(path, label) {
  target = {path, label};
  $("#reach-of").textContent = label;
  $("#reach").replaceChildren();
  clearInterval(timer);
  showReach();
  timer = setInterval(showReach, 1000);
}

function announcementCard(item) {
  return h("li", {dataset: {key: `announcement:${item.id}`}},
    h("span", {class: "title"}, pick(item.title)),
    h("p", {class: "meta"}, when(item.created_at)),
    h("button", {type: "button", class: "show-reach", onclick: () => watch(`/announcements/${item.id}/reach`, pick(item.title))},
      `${$("#h-reach").textContent}: ${pick(item.title)}`));
}

function callCard(call) {
  return h("li", {dataset: {key: `call:${call.id}`}},
    h("a", {class: "title", href: `/calls/${call.id}`}, pick(call.title)),
    h("p", {class: "meta"}, `${t(call.status)}${call.opens_at ? ` · ${t("opens")}: ${when(call.opens_at)}` : ""}`),
    h("button", {type: "button", class: "open-call", onclick: () => openCall(call)}, `${t("broadcast_opening")}: ${pick(call.title)}`));
}

async function openCall(call) {
  try {
    await api(`/calls/${call.id}/broadcast-opening`, {method: "POST"});
    flash(t("broadcast_sent"));
    watch(`/calls/${call.id}/reach`, pick(call.title));
    await loadCalls();
  } catch (error) {
    showError(error);
  }
}

async function loadCalls() {
  const calls = await all("/calls", {limit: 100}, 200);
  fill($("#calls"), calls.filter((call) => call.status === "announced"), callCard);
}

async function loadAnnouncements() {
  const page = await api("/announcements", {query: {limit: 10}});
  fill($("#announcements"), page.items, announcementCard);
}

async function load() {
  await Promise.all([loadCalls(), loadAnnouncements()]);
}

$("#announcement-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    title: multi($("#a-title-de").value, $("#a-title-en").value),
    // Plain text (also valid HTML for the API's sanitiser): the home page shows the body as text.
    body: multi($("#a-body-de").value, $("#a-body-en").value),
  };
  try {
    const item = await api("/announcements", {method: "POST", body});
    event.target.reset();
    clearFieldErrors(event.target);
    flash(t("broadcast_sent"));
    watch(`/announcements/${item.id}/reach`, pick(item.title));
    await loadAnnouncements();
  } catch (error) {
    showFieldErrors(event.target, error);
  }
});

boot({topics: ["announcements", "calls"], load, onEvent: (envelope) => {
  if (envelope.type.startsWith("announcement.")) loadAnnouncements().catch(showError);
  else if (envelope.type.startsWith("call.")) loadCalls().catch(showError);
}});
