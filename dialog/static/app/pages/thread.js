// A thread, live: new posts appear, edits update, hidden and deleted ones vanish, reactions count,
// who is here and who is typing. Members write (with @ autocomplete and a language), reply, react,
// edit (with history) and flag. Everything goes through /api/v1 and /live.
import {changesAccess} from "../core/access.js";
import {all, api} from "../core/api.js";
import {$, allowForm, flash, h, setHTML, showError} from "../core/dom.js";
import {followButton} from "../core/follow.js";
import {pick, t, when} from "../core/i18n.js";
import * as live from "../core/live.js";
import {attachMentions} from "../core/mentions.js";
import {boot, isStaff, viewer} from "../core/shell.js";
import {bodyHTML, bodyText} from "../core/text.js";

const threadId = Number($("#thread").dataset.threadId);
const topic = `thread.${threadId}`;
const REACTIONS = ["like", "thanks", "agree", "idea"];  // words, not emoji: not every device has an emoji font
const posts = new Map();   // id -> post as the API gives it
let thread = null;
let replyTo = null;

// -- rendering ---------------------------------------------------------------------------------
function visible(post) {
  return post.state === "visible" || (post.state === "hidden" && isStaff("moderator", "admin"));
}

function postElement(post) {
  const parent = post.parent_id ? posts.get(post.parent_id) : null;
  const mine = viewer && post.author?.id === viewer.id;
  const body = h("div", {class: "body", lang: post.language});
  setHTML(body, post.body);
  const may = thread?.permissions || {};  // what the API says this reader may do here
  const actions = viewer ? h("div", {class: "actions"},
    may.can_post ? h("button", {type: "button", class: "link reply", onclick: () => startReply(post)}, t("reply")) : null,
    mine ? h("button", {type: "button", class: "link", onclick: () => startEdit(post)}, t("edit")) : null,
    mine ? null : h("button", {type: "button", class: "link", onclick: () => startFlag(post)}, t("flag"))) : null;
  const reactions = h("div", {class: "reactions row", role: "group", "aria-label": t("react")},
    ...REACTIONS.map((kind) => h("button", {type: "button", disabled: !may.can_react, onclick: () => react(post, kind)},
      `${t(`reaction_${kind}`)} ${post.reactions?.[kind] || 0}`)));
  const history = post.edited_at ? h("details", {class: "history", ontoggle: (toggle) => loadHistory(post, toggle.target)},
    h("summary", {}, `${t("edited")} ${when(post.edited_at)} – ${t("history")}`), h("ol", {})) : null;
  return h("li", {id: `post-${post.id}`, class: `post${post.parent_id ? " reply" : ""}${post.state === "hidden" ? " hidden" : ""}`,
                  dataset: {postId: post.id}, tabindex: "-1"},
    h("p", {class: "meta"}, h("strong", {}, post.author?.name || "–"), " · ",
      h("time", {datetime: post.created_at}, when(post.created_at)), " · ", h("span", {class: "kind"}, post.language),
      parent ? ` · ${t("replying_to", {name: parent.author?.name || ""})}` : "",
      post.state === "hidden" ? ` · ${t("hidden")}` : ""),
    body, reactions, history, actions, h("div", {class: "slot"}));
}

function render(id) {
  const list = $("#posts");
  const post = posts.get(id);
  const existing = document.getElementById(`post-${id}`);
  if (!post || !visible(post)) {
    existing?.remove();
    return;
  }
  const element = postElement(post);
  if (existing) {
    if (existing.contains(document.activeElement) || existing.querySelector(".slot").childElementCount) return;
    existing.replaceWith(element);
    return;
  }
  // In id order (ids grow with time): before the first post with a larger id.
  const after = [...list.children].find((li) => Number(li.dataset.postId) > id);
  list.insertBefore(element, after || null);
}

function showThread() {
  $("#title").textContent = thread.title;
  document.title = `${thread.title} – Smart City Dialog`;
  $("#flags").textContent = [thread.pinned ? t("pinned") : "", thread.locked ? t("thread_locked") : ""].filter(Boolean).join(" · ");
  allowForm($("#composer"), $("#cannot-post"), thread.permissions);
}

// -- loading and live --------------------------------------------------------------------------
async function refreshPost(id) {
  try {
    posts.set(id, await api(`/posts/${id}`));
  } catch (error) {
    if (error.status !== 404 && error.status !== 403) throw error;
    posts.delete(id);  // hidden or deleted: not for this reader any more
  }
  render(id);
}

async function load() {
  thread = await api(`/threads/${threadId}`);
  const space = (await all("/spaces", {limit: 100}).catch(() => [])).find((s) => s.id === thread.space_id);
  if (space) {
    $("#space-link").textContent = pick(space.name) || space.slug;
    $("#space-link").href = `/spaces/${encodeURIComponent(space.slug)}`;
  }
  showThread();
  for (const post of await all(`/threads/${threadId}/posts`, {limit: 100}, 2000)) posts.set(post.id, post);
  $("#posts").replaceChildren();
  [...posts.keys()].sort((a, b) => a - b).forEach(render);
  await followButton($("#follow"), "thread", threadId);
}

function rereadThread() {
  // Whether this reader may still reply (after a lock, a membership, a new role) is the API's answer, not ours.
  api(`/threads/${threadId}`).then((fresh) => {
    thread = fresh;
    showThread();
    [...posts.keys()].forEach(render);
  }).catch(showError);
}

function onEvent(envelope) {
  const data = envelope.data;
  if (thread && changesAccess(envelope, {id: thread.space_id})) {
    rereadThread();
    return;
  }
  if (data.thread_id !== threadId) return;
  const [noun, verb] = envelope.type.split(".");
  if (noun === "thread") {
    rereadThread();
    return;
  }
  if (!data.post_id) return;
  if (verb === "hidden" || verb === "deleted") {
    if (isStaff("moderator", "admin")) refreshPost(data.post_id).catch(showError);
    else {
      posts.delete(data.post_id);
      render(data.post_id);
    }
    return;
  }
  if (envelope.type === "post.created") typists.delete(data.author_id);  // they finished typing
  refreshPost(data.post_id).then(showTyping).catch(showError);
}

// -- presence and typing -----------------------------------------------------------------------
const here = new Map();
const typists = new Map();  // member id -> {name, until}

function showPresence() {
  const others = [...here.values()].filter((member) => member.id !== viewer?.id).map((member) => member.name);
  $("#presence").textContent = others.length ? t("here", {names: others.join(", ")}) : t("nobody_here");
}

function showTyping() {
  const now = Date.now();
  for (const [id, typist] of typists) if (typist.until < now) typists.delete(id);
  const names = [...typists.values()].map((typist) => typist.name);
  $("#typing").textContent = names.length ? t("typing", {names: names.join(", ")}) : "";
}

if (viewer) {
  live.onConnected(async () => {
    const ack = await live.send("view", {topic});
    if (ack?.ok) {
      here.clear();
      ack.viewers.forEach((member) => here.set(member.id, member));
      showPresence();
    }
  });
  live.onMessage("presence", (message) => {
    if (message.topic !== topic) return;
    if (message.action === "join") here.set(message.member.id, message.member);
    else here.delete(message.member.id);
    showPresence();
  });
}
live.onMessage("typing", (message) => {
  if (message.thread_id !== threadId) return;
  typists.set(message.member.id, {name: message.member.name, until: Date.now() + 6000});
  showTyping();
});
setInterval(showTyping, 2000);

// -- writing -----------------------------------------------------------------------------------
const composer = $("#composer");
let lastTyping = 0;

function startReply(post) {
  replyTo = post;
  $("#replying").hidden = false;
  $("#replying-text").textContent = t("replying_to", {name: post.author?.name || ""});
  $("#post-body").focus();
}

function cancelReply() {
  replyTo = null;
  $("#replying").hidden = true;
}

if (composer) {
  const textarea = $("#post-body");
  attachMentions(textarea, $("#mentions"));
  $("#cancel-reply").addEventListener("click", cancelReply);
  textarea.addEventListener("input", () => {
    if (Date.now() - lastTyping > 2500) {
      lastTyping = Date.now();
      live.send("typing", {thread_id: threadId});
    }
  });
  composer.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    if (!textarea.value.trim()) return;
    const button = $("#send");
    button.disabled = true;
    try {
      const post = await api(`/threads/${threadId}/posts`, {method: "POST", body: {
        body: bodyHTML(textarea.value), language: $("#post-language").value, parent_id: replyTo?.id}});
      posts.set(post.id, post);
      render(post.id);
      textarea.value = "";
      cancelReply();
      flash(t("posted"));
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
}

async function react(post, kind) {
  try {
    await api(`/posts/${post.id}/reactions`, {method: "POST", body: {kind}});
    await refreshPost(post.id);
  } catch (error) {
    showError(error);
  }
}

function slotOf(post) {
  return document.querySelector(`#post-${post.id} .slot`);
}

function startEdit(post) {
  const slot = slotOf(post);
  const label = `edit-${post.id}`;
  const area = h("textarea", {id: label});
  area.value = bodyText(post.body);
  const language = h("select", {"aria-label": "language"}, h("option", {value: "de"}, "Deutsch"), h("option", {value: "en"}, "English"));
  language.value = post.language;
  const form = h("form", {class: "stack"}, h("label", {for: label}, t("edit")), area, language,
    h("div", {class: "row"}, h("button", {type: "submit"}, t("save")),
      h("button", {type: "button", class: "secondary", onclick: () => { slot.replaceChildren(); render(post.id); }}, t("cancel"))));
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    try {
      const saved = await api(`/posts/${post.id}`, {method: "PATCH", body: {body: bodyHTML(area.value), language: language.value}});
      posts.set(post.id, saved);
      slot.replaceChildren();
      render(post.id);
    } catch (error) {
      showError(error);
    }
  });
  slot.replaceChildren(form);
  area.focus();
}

function startFlag(post) {
  const slot = slotOf(post);
  const label = `flag-${post.id}`;
  const reason = h("input", {id: label, required: true, maxlength: "500"});
  const form = h("form", {class: "stack"}, h("label", {for: label}, t("flag_reason")), reason,
    h("div", {class: "row"}, h("button", {type: "submit"}, t("flag")),
      h("button", {type: "button", class: "secondary", onclick: () => slot.replaceChildren()}, t("cancel"))));
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    try {
      await api(`/posts/${post.id}/flags`, {method: "POST", body: {reason: reason.value.trim()}});
      slot.replaceChildren();
      flash(t("flagged"));
    } catch (error) {
      showError(error);
    }
  });
  slot.replaceChildren(form);
  reason.focus();
}

async function loadHistory(post, details) {
  if (!details.open) return;
  const revisions = await all(`/posts/${post.id}/revisions`, {limit: 100}).catch(() => []);
  details.querySelector("ol").replaceChildren(...revisions.map((revision) => {
    const body = h("div", {class: "body", lang: revision.language});
    setHTML(body, revision.body);
    return h("li", {}, h("p", {class: "meta"}, when(revision.written_at)), body);
  }));
}

boot({topics: [topic], load, onEvent});
