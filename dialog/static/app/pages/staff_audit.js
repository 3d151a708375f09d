// Admins: the audit log (GET /audit), newest first, filtered by action, target kind and actor; more
// entries page by page (the list's `next` cursor). Details are shown as the API gives them (ids, facts).
import {api} from "../core/api.js";
import {$, fill, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

let entries = [];
let next = null;

function entryCard(entry) {
  const details = Object.entries(entry.details || {}).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(", ");
  return h("li", {dataset: {key: `audit:${entry.id}`, action: entry.action}},
    h("span", {class: "title"}, `${entry.action} · ${entry.target_kind}${entry.target_id == null ? "" : ` ${entry.target_id}`}`),
    h("p", {class: "meta"}, [when(entry.occurred_at), entry.actor ? (entry.actor.name || `#${entry.actor.id}`) : "system"]
      .join(" · ")),
    entry.reason ? h("p", {}, entry.reason) : null,
    details ? h("p", {class: "meta"}, details) : null);
}

function filters() {
  return {action: $("#audit-action").value.trim(), target_kind: $("#audit-kind").value.trim(),
          actor: $("#audit-actor").value.trim(), limit: 50};
}

async function load(more = false) {
  const page = await api("/audit", {query: {...filters(), cursor: more ? next : undefined}});
  entries = more ? [...entries, ...page.items] : page.items;
  next = page.next;
  $("#audit-total").textContent = t("results", {count: page.total ?? entries.length});
  fill($("#audit"), entries, entryCard);
  $("#audit-more").hidden = !next;
}

$("#audit-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  load().then(() => clearFieldErrors(event.target), (error) => showFieldErrors(event.target, error));
});
$("#audit-more").addEventListener("click", () => load(true).catch(showError));

boot({load: () => load()});
