// Moderators' queue: flagged posts with their reasons (GET /moderation/flags), resolved as dismissed or
// acted on; the post hidden, shown again or deleted, its thread locked or pinned; a member's history.
// Live on `moderation`: a new flag, a hide elsewhere, another moderator's resolution reload the queue.
import {api, newestWins} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

async function act(path, {method = "POST", body} = {}) {
  try {
    await api(path, {method, body});
    flash(t("saved"));
    await loadQueue();
  } catch (error) {
    showError(error);
  }
}

function button(name, label, onclick) {
  return h("button", {type: "button", class: name, onclick}, label);
}

function entryCard(entry) {
  const post = entry.post;
  const open = entry.reports.some((report) => !report.resolution);
  const author = post.author;
  return h("li", {dataset: {key: `post:${post.id}`, state: post.state}},
    h("a", {class: "title", href: `/threads/${post.thread_id}#post-${post.id}`}, post.thread_title),
    h("p", {class: "meta"}, [t(post.state), t("flags", {count: entry.flags}),
                             author ? t("by", {name: author.name}) : null].filter(Boolean).join(" · ")),
    h("blockquote", {class: "excerpt"}, post.excerpt),
    h("ul", {class: "reasons"}, entry.reports.map((report) => h("li", {},
      [report.reason, report.reporter?.name, when(report.created_at),
       report.resolution ? t(`resolution_${report.resolution}`) : null].filter(Boolean).join(" · ")))),
    h("p", {class: "actions"},
      open ? button("dismiss", t("dismiss"), () => act(`/moderation/posts/${post.id}/resolve`, {body: {outcome: "dismissed"}})) : null,
      open ? button("act-on", t("act_on"), () => act(`/moderation/posts/${post.id}/resolve`, {body: {outcome: "acted_on"}})) : null,
      post.state === "visible" ? button("hide", t("hide"), () => act(`/posts/${post.id}/hide`, {body: {}})) : null,
      post.state === "hidden" ? button("unhide", t("unhide"), () => act(`/posts/${post.id}/unhide`)) : null,
      post.state !== "deleted" ? button("delete", t("delete"), () => act(`/posts/${post.id}`, {method: "DELETE"})) : null,
      button("lock", t("lock"), () => act(`/threads/${post.thread_id}/lock`, {body: {locked: true}})),
      button("pin", t("pin"), () => act(`/threads/${post.thread_id}/pin`, {body: {pinned: true}})),
      author ? button("history", t("history_of", {name: author.name}), () => showHistory(author).catch(showError)) : null));
}

async function showHistory(author) {
  const page = await api(`/moderation/members/${author.id}/history`, {query: {limit: 50}});
  $("#h-history").textContent = t("history_of", {name: author.name});
  fill($("#history"), page.items, (entry) => h("li", {dataset: {key: `history:${entry.post.id}`}},
    h("a", {class: "title", href: `/threads/${entry.post.thread_id}#post-${entry.post.id}`}, entry.post.thread_title),
    h("p", {class: "meta"}, [t(entry.post.state),
                             t("flags", {count: entry.reports.length})].join(" · ")),
    h("blockquote", {class: "excerpt"}, entry.post.excerpt)));
  $("#history-section").hidden = false;
  $("#h-history").focus?.();
}

const loadQueue = newestWins(() => api("/moderation/flags", {query: {status: $("#queue-status").value, limit: 50}}),
                             (page) => fill($("#queue"), page.items, entryCard));

$("#queue-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  loadQueue().catch(showError);
});

boot({topics: ["moderation"], load: loadQueue, onEvent: (envelope) => {
  if (/^(flag|post)\./.test(envelope.type)) loadQueue().catch(showError);
}});
