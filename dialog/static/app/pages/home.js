// Home: open calls with a Berlin deadline and a countdown, news, announcements; all live.
import {api} from "../core/api.js";
import {$, fill, h} from "../core/dom.js";
import {pick, t, timeLeft, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const lists = {news: new Map(), calls: new Map(), announcements: new Map()};
const LIMIT = 20;

function card(row) {
  return h("li", {class: row.fresh ? "fresh" : "", dataset: {key: row.key, eventId: row.eventId}},
    h("span", {class: "kind"}, t(row.label)),
    h("a", {class: "title", href: row.href}, row.title),
    row.detail ? h("p", {class: "meta"}, row.detail) : null,
    row.deadline ? h("p", {class: "countdown", dataset: {deadline: row.deadline}}, timeLeft(row.deadline) || t("deadline_passed")) : null);
}

function render(name) {
  const rows = [...lists[name].values()].filter((row) => !row.gone)
    .sort((a, b) => (name === "calls" ? (a.sort || "").localeCompare(b.sort || "") : (b.sort || "").localeCompare(a.sort || "")));
  fill($(`#${name}`), rows.slice(0, LIMIT), card);
}

function newsRow(item, label, extra = {}) {
  const published = item.published_at || extra.at;
  return {key: `news:${item.id}`, href: `/news/${item.id}`, title: pick(item.title), label,
          detail: when(published), sort: published, ...extra};
}

function callRow(item, label, extra = {}) {
  const open = item.status === "open" || label === "open";
  return {key: `call:${item.id}`, href: `/calls/${item.id}`, title: pick(item.title), label,
          detail: item.deadline ? `${t("deadline")}: ${when(item.deadline)} (${t("berlin_time")})` : "",
          deadline: open ? item.deadline : null, sort: item.deadline || "", gone: item.status === "closed" || label === "closed",
          ...extra};
}

function announcementRow(item, extra = {}) {
  const at = item.broadcast_at || item.created_at;
  return {key: `announcement:${item.id}`, href: "#", title: pick(item.title), label: "broadcast",
          detail: [pick(item.body), when(at)].filter(Boolean).join(" · "), sort: at, ...extra};
}

async function load() {
  const [news, calls, announcements] = await Promise.all([
    api("/news", {query: {limit: LIMIT}}), api("/calls", {query: {limit: 50}}), api("/announcements", {query: {limit: LIMIT}})]);
  news.items.forEach((item) => lists.news.set(`news:${item.id}`, newsRow(item, item.status)));
  calls.items.filter((item) => item.status !== "closed" && item.status !== "draft")
    .forEach((item) => lists.calls.set(`call:${item.id}`, callRow(item, item.status)));
  announcements.items.forEach((item) => lists.announcements.set(`announcement:${item.id}`, announcementRow(item)));
  Object.keys(lists).forEach(render);
}

function onEvent(envelope) {
  const [noun, verb] = envelope.type.split(".");
  const data = envelope.data;
  const fresh = {fresh: true, eventId: envelope.id};
  if (noun === "news") {
    const row = newsRow({id: data.news_id, title: data.title, published_at: data.published_at}, verb,
                        {...fresh, at: envelope.occurred_at});
    if (verb === "retracted" || data.redacted) row.gone = true;
    lists.news.set(row.key, {...lists.news.get(row.key), ...row, title: row.title || lists.news.get(row.key)?.title});
    render("news");
  } else if (noun === "call") {
    const known = lists.calls.get(`call:${data.call_id}`) || {};
    const row = callRow({id: data.call_id, title: data.title, deadline: data.deadline || known.deadline,
                         status: verb === "opened" ? "open" : verb}, verb === "opened" ? "open" : verb, fresh);
    lists.calls.set(row.key, {...known, ...row, title: row.title || known.title});
    render("calls");
  } else if (noun === "announcement") {
    const row = announcementRow({id: data.announcement_id, title: data.title, body: data.body,
                                 broadcast_at: data.broadcast_at || envelope.occurred_at}, fresh);
    lists.announcements.set(row.key, row);
    render("announcements");
  }
}

// The countdowns tick once a minute (no seconds: a deadline is a date and a time).
setInterval(() => {
  document.querySelectorAll(".countdown[data-deadline]").forEach((element) => {
    element.textContent = timeLeft(element.dataset.deadline) || t("deadline_passed");
  });
}, 30000);

boot({topics: ["news", "calls", "announcements"], load, onEvent});
