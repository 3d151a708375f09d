// Editors' news desk: write an article (German and English), save it as a draft, schedule it
// (Berlin time) or publish it now; edit, publish or retract the listed articles. Live on `news`.
import {all, api, newestWins} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {berlinToISO, isoToBerlin, pick, t, when} from "../core/i18n.js";
import {bodyHTML, bodyText} from "../core/text.js";
import {boot} from "../core/shell.js";

const STATUSES = ["draft", "scheduled", "published", "retracted"];
const articles = new Map();
const form = $("#news-form");

function multi(de, en) {
  const value = {de: de.trim()};
  if (en.trim()) value.en = en.trim();
  return value;
}

function status(item) {
  if (item.status === "scheduled" && item.publish_at) return `${t("scheduled")} · ${t("publishes_at", {time: when(item.publish_at)})}`;
  if (item.status === "published") return `${t("published")} · ${when(item.published_at)}`;
  return t(item.status);
}

async function act(path, body) {
  try {
    const item = await api(path, {method: "POST", body});
    articles.set(item.id, item);
    render();
    flash(t("news_saved", {status: t(item.status)}));
  } catch (error) {
    showError(error);
  }
}

function edit(item) {
  $("#news-id").value = String(item.id);
  $("#title-de").value = item.title.de || "";
  $("#title-en").value = item.title.en || "";
  $("#body-de").value = bodyText(item.body.de || "");
  $("#body-en").value = bodyText(item.body.en || "");
  $("#publish-at").value = isoToBerlin(item.publish_at);
  $("#form-legend").textContent = `${t("edit")}: ${pick(item.title)}`;
  $("#title-de").focus();
}

function retractForm(item) {
  const id = `reason-${item.id}`;
  const input = h("input", {id, maxlength: "500"});
  return h("form", {class: "inline", onsubmit: (event) => {
    event.preventDefault();
    act(`/news/${item.id}/retract`, {reason: input.value.trim() || null});
  }}, h("label", {for: id}, t("retract_reason")), input, h("button", {type: "submit", class: "retract"}, t("retract")));
}

function card(item) {
  const open = item.status === "draft" || item.status === "scheduled";
  return h("li", {dataset: {key: `news:${item.id}`, status: item.status}},
    h("a", {class: "title", href: `/news/${item.id}`}, pick(item.title)),
    h("p", {class: "meta"}, status(item)),
    item.status === "retracted" ? null : h("p", {class: "actions"},
      h("button", {type: "button", class: "edit", onclick: () => edit(item)}, t("edit")),
      open ? h("button", {type: "button", class: "publish", onclick: () => act(`/news/${item.id}/publish`)}, t("publish_now")) : null),
    item.status === "published" ? retractForm(item) : null);
}

function render() {
  const items = [...articles.values()].sort((a, b) => b.id - a.id);
  fill($("#articles"), items, card);
}

const load = newestWins(() => Promise.all(STATUSES.map((status) => all("/news", {status, limit: 50}, 100))),
                        (lists) => {
                          lists.flat().forEach((item) => articles.set(item.id, item));
                          render();
                        });

// One article re-read per event; two events of one article answered out of order keep the newer.
const refresh = newestWins((id) => api(`/news/${id}`).catch((error) => {
  if (error.status === 404) return null;
  throw error;
}), (item, id) => {
  if (item) articles.set(id, item);
  else articles.delete(id);
  render();
}, (id) => id);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const mode = event.submitter?.value || "draft";
  const id = $("#news-id").value;
  const at = $("#publish-at").value;
  if (mode === "schedule" && !at) {
    $("#publish-at").focus();
    return flash(t("publishes_at", {time: "?"}));
  }
  const fields = {
    title: multi($("#title-de").value, $("#title-en").value),
    body: multi(bodyHTML($("#body-de").value), $("#body-en").value.trim() ? bodyHTML($("#body-en").value) : ""),
    publish_at: mode === "schedule" ? berlinToISO(at) : null,
  };
  if (id && articles.get(Number(id))?.status === "published") delete fields.publish_at;  // it is out already
  try {
    let item = id ? await api(`/news/${id}`, {method: "PATCH", body: fields})
      : await api("/news", {method: "POST", body: {...fields, publish: false}});
    if (mode === "publish" && item.status !== "published") item = await api(`/news/${item.id}/publish`, {method: "POST"});
    articles.set(item.id, item);
    render();
    form.reset();
    flash(t("news_saved", {status: t(item.status)}));
  } catch (error) {
    showFieldErrors(form, error);
  }
});
form.addEventListener("reset", () => {
  clearFieldErrors(form);
  $("#news-id").value = "";
  $("#form-legend").textContent = $("#new-article").textContent;
});

boot({topics: ["news"], load, onEvent: (envelope) => {
  if (envelope.type.startsWith("news.") && envelope.data.news_id) refresh(envelope.data.news_id).catch(showError);
}});
