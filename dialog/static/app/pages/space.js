// A space's threads, live (new threads and posts reorder the list); members open threads here.
import {all, api} from "../core/api.js";
import {changesAccess} from "../core/access.js";
import {$, allowForm, fill, h, showError} from "../core/dom.js";
import {followButton} from "../core/follow.js";
import {pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";
import {bodyHTML} from "../core/text.js";

const slug = $("#space").dataset.slug;
const threads = new Map();
let space = null;

function render() {
  const rows = [...threads.values()].sort((a, b) => (b.pinned - a.pinned) || (b.last_post_at || "").localeCompare(a.last_post_at || ""));
  fill($("#threads"), rows, (thread) => h("li", {dataset: {threadId: thread.id}},
    thread.pinned ? h("span", {class: "kind"}, t("pinned")) : null,
    thread.locked ? h("span", {class: "kind"}, t("locked")) : null,
    h("a", {href: `/threads/${thread.id}`}, thread.title),
    h("p", {class: "meta"}, [thread.author?.name, t("posts", {count: thread.post_count}), when(thread.last_post_at)].filter(Boolean).join(" · "))));
}

async function refresh(threadId) {
  try {
    const thread = await api(`/threads/${threadId}`);
    threads.set(thread.id, thread);
  } catch {
    threads.delete(threadId);
  }
  render();
}

function showSpace() {
  $("#title").textContent = pick(space.name);
  document.title = `${pick(space.name)} – Smart City Dialog`;
  $("#description").textContent = pick(space.description);
  allowForm($("#new-thread"), $("#cannot-post"), space.permissions);
}

async function load() {
  space = await api(`/spaces/${encodeURIComponent(slug)}`);
  showSpace();
  (await all(`/spaces/${encodeURIComponent(slug)}/threads`, {limit: 100}, 200)).forEach((thread) => threads.set(thread.id, thread));
  render();
  await followButton($("#follow"), "space", slug);
}

$("#new-thread")?.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const form = submit.target;
  try {
    const thread = await api(`/spaces/${encodeURIComponent(slug)}/threads`, {method: "POST", body: {
      title: form.title.value.trim(), body: bodyHTML(form.body.value), language: form.language.value}});
    location.assign(`/threads/${thread.id}`);
  } catch (error) {
    showError(error);
  }
});

boot({topics: [`space.${slug}`], load, onEvent: (envelope) => {
  if (changesAccess(envelope, space)) {
    // Read again: whether this reader may open threads now is the API's answer (added, removed, new role).
    api(`/spaces/${encodeURIComponent(slug)}`).then((fresh) => {
      space = fresh;
      showSpace();
    }).catch(showError);
    return;
  }
  if (envelope.data.thread_id) refresh(envelope.data.thread_id);
}});
