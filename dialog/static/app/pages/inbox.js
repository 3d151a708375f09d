// The inbox: notifications newest first, live; opening one marks it read.
import {api} from "../core/api.js";
import {$, fill, h, showError} from "../core/dom.js";
import {t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

let items = [];

function linkOf(note) {
  const s = note.subject || {};
  if (s.post_id && s.thread_id) return `/threads/${s.thread_id}#post-${s.post_id}`;
  if (s.thread_id) return `/threads/${s.thread_id}`;
  if (s.call_id) return `/calls/${s.call_id}`;
  if (s.news_id) return `/news/${s.news_id}`;
  if (s.project_id) return `/projects/${s.project_id}`;
  return null;
}

function render() {
  fill($("#notifications"), items, (note) => {
    const href = linkOf(note);
    const read = async () => {
      if (!note.read) await api(`/notifications/${note.id}/read`, {method: "POST"}).catch(showError);
    };
    return h("li", {class: note.read ? "" : "fresh", dataset: {notificationId: note.id}},
      h("span", {class: "kind"}, note.kind),
      href ? h("a", {href, onclick: read}, note.summary || t("retracted")) : (note.summary || t("retracted")),
      h("p", {class: "meta"}, [note.actor_name, when(note.created_at)].filter(Boolean).join(" · ")),
      note.read ? null : h("button", {type: "button", class: "link", onclick: async () => { await read(); await load(); }}, t("mark_read")));
  });
}

async function load() {
  const page = await api("/notifications", {query: {limit: 50}});
  items = page.items;
  render();
}

$("#read-all").addEventListener("click", async () => {
  if (!items.length) return;
  try {
    await api("/notifications/read", {method: "POST", body: {up_to: Math.max(...items.map((n) => n.id))}});
    await load();
  } catch (error) {
    showError(error);
  }
});

boot({load, onEvent: (envelope) => {
  if (envelope.type.startsWith("notification.")) load().catch(showError);
}});
