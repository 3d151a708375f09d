// The start page (dialog/templates/live.html): REST state, then the SSE stream from the log's head.
// A file of its own so the page's CSP allows no inline script.
"use strict";
const LANG = document.documentElement.lang === "en" ? "en" : "de";  // set by the server
const WORDS = {
  de: {live: "live", reconnecting: "Verbindung unterbrochen – verbinde neu …", empty: "noch nichts",
       published: "neu", updated: "aktualisiert", retracted: "zurückgezogen", announced: "angekündigt",
       open: "geöffnet", closed: "geschlossen", deadline_changed: "Frist geändert", reminder: "Erinnerung",
       broadcast: "Ankündigung", deadline: "Frist"},
  en: {live: "live", reconnecting: "connection lost – reconnecting …", empty: "nothing yet",
       published: "new", updated: "updated", retracted: "retracted", announced: "announced",
       open: "open", closed: "closed", deadline_changed: "deadline moved", reminder: "reminder",
       broadcast: "announcement", deadline: "deadline"},
}[LANG];
const EVENT_TYPES = ["news.published", "news.updated", "news.retracted", "call.announced", "call.opened",
  "call.deadline_changed", "call.reminder", "call.closed", "announcement.broadcast"];
const text = (multi) => (multi && (multi[LANG] || Object.values(multi)[0])) || "";
const when = (iso) => (iso ? new Date(iso).toLocaleString(LANG === "de" ? "de-DE" : "en-GB") : "");
const status = document.getElementById("status");
const rows = {news: new Map(), calls: new Map(), announcements: new Map()};

function render(list) {
  const element = document.getElementById(list);
  const items = [...rows[list].values()].sort((a, b) => (b.sort || "").localeCompare(a.sort || ""));
  element.replaceChildren(...items.slice(0, 20).map((row) => {
    const item = document.createElement("li");
    item.dataset.key = row.key;
    if (row.eventId) item.dataset.eventId = row.eventId;
    if (row.fresh) item.classList.add("fresh");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = WORDS[row.label] || row.label;
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = row.title;  // textContent only: nothing from the server is parsed as HTML
    const time = document.createElement("time");
    time.className = "when";
    time.textContent = row.detail;
    item.append(kind, title, time);
    return item;
  }));
  if (!items.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = WORDS.empty;
    element.append(empty);
  }
}

function upsert(list, row) {
  rows[list].set(row.key, row);
  render(list);
}

function callRow(call, label, extra = {}) {
  return {key: `call:${call.id ?? call.call_id}`, title: text(call.title), label,
          detail: call.deadline ? `${WORDS.deadline}: ${when(call.deadline)}` : "",
          sort: call.deadline || call.opens_at || "", ...extra};
}

function apply(envelope) {
  const [noun, verb] = envelope.type.split(".");
  const d = envelope.data;
  const fresh = {fresh: true, eventId: envelope.id};
  if (noun === "news") {
    upsert("news", {key: `news:${d.news_id}`, title: text(d.title), label: verb,
                    detail: when(d.published_at || envelope.occurred_at), sort: d.published_at || envelope.occurred_at, ...fresh});
  } else if (noun === "call") {
    upsert("calls", callRow(d, verb, fresh));
  } else if (noun === "announcement") {
    upsert("announcements", {key: `announcement:${d.announcement_id}`, title: text(d.title), label: "broadcast",
                             detail: when(d.broadcast_at), sort: d.broadcast_at, ...fresh});
  }
}

async function getJSON(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function start() {
  // The contract's way: note the log's head, load current state over REST, then follow from head.
  const log = await getJSON("/api/v1/log");
  const [news, calls, announcements] = await Promise.all([
    getJSON("/api/v1/news?limit=20"), getJSON("/api/v1/calls?limit=20"), getJSON("/api/v1/announcements?limit=20")]);
  for (const n of news.items) {
    rows.news.set(`news:${n.id}`, {key: `news:${n.id}`, title: text(n.title), label: n.status,
                                    detail: when(n.published_at), sort: n.published_at});
  }
  for (const c of calls.items) rows.calls.set(`call:${c.id}`, callRow(c, c.status));
  for (const a of announcements.items) {
    rows.announcements.set(`announcement:${a.id}`, {key: `announcement:${a.id}`, title: text(a.title),
                                                    label: "broadcast", detail: when(a.created_at), sort: a.created_at});
  }
  Object.keys(rows).forEach(render);
  // EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed or repeated.
  const stream = new EventSource(`/api/v1/stream?topics=news,calls,announcements&since=${log.head}&epoch=${log.epoch}`);
  stream.onopen = () => { status.textContent = WORDS.live; status.className = "live"; };
  stream.onerror = () => { status.textContent = WORDS.reconnecting; status.className = ""; };
  stream.addEventListener("reset", () => { stream.close(); location.reload(); });
  for (const type of EVENT_TYPES) {
    stream.addEventListener(type, (message) => apply(JSON.parse(message.data)));
  }
}
start().catch(() => { status.textContent = WORDS.reconnecting; setTimeout(() => location.reload(), 5000); });
