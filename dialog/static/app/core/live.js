// The /live connection of a page: one Socket.IO client that keeps its cursor.
//
// The contract's way: read the log's head, load the page's state over REST, then subscribe from
// that head. Every envelope carries an id; the client remembers the last one it applied and, after
// any drop (network, server restart), subscribes again with `since` = that id, so the server replays
// exactly what was missed. An id at or below the cursor is never applied twice. `recovered: false`
// means the cursor is too old or from another log: the page reloads its state.
import {io} from "../../vendor/socket.io-client/socket.io.esm.min.js";
import {api} from "./api.js";
import {t} from "./i18n.js";

const handlers = [];          // (envelope) => void, for every applied event
const topics = new Set();
const socketHandlers = {};    // ephemeral messages: typing, presence
const connectHooks = [];      // run after every (re)subscribe: presence "view" must be said again
let socket = null;
let cursor = null;
let epoch = null;

function setStatus(state) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = t(state);
  status.className = `status ${state}`;
  status.dataset.state = state;
}

/** Call `handler(envelope)` for each new event on the subscribed topics. */
export function onEvent(handler) {
  handlers.push(handler);
}

/** Listen to an ephemeral message (typing, presence). */
export function onMessage(name, handler) {
  (socketHandlers[name] ||= []).push(handler);
  if (socket) socket.on(name, handler);
}

/** Run `hook(socket)` after each successful (re)subscription. */
export function onConnected(hook) {
  connectHooks.push(hook);
}

/** Send an ephemeral message; resolves with its ack. */
export function send(name, payload) {
  if (!socket?.connected) return Promise.resolve({ok: false});
  return socket.timeout(5000).emitWithAck(name, payload).catch(() => ({ok: false}));
}

/** The last event id applied (for tests and for pages that want it). */
export function position() {
  return cursor;
}

function apply(envelope) {
  if (cursor !== null && envelope.id <= cursor) return;  // seen already: a replay overlapping live delivery
  cursor = envelope.id;
  document.documentElement.dataset.cursor = String(cursor);
  for (const handler of handlers) {
    try {
      handler(envelope);
    } catch (error) {
      console.error("event handler failed", envelope.type, error);
    }
  }
}

async function subscribe() {
  const ack = await socket.timeout(10000).emitWithAck("subscribe", {topics: [...topics], since: cursor, epoch})
    .catch(() => null);
  if (!ack?.ok) {
    setStatus("reconnecting");
    return;
  }
  if (ack.recovered === false) {
    sessionStorage.setItem("dialog-reloaded", "1");
    location.reload();  // our state is older than the log keeps: start again from REST
    return;
  }
  setStatus("live");
  for (const hook of connectHooks) hook(socket);
}

/**
 * Start the page's live state: note the head, run `load()` (REST), then follow `pageTopics` from
 * the head, so nothing between the REST answers and the subscription is lost.
 */
export async function start(pageTopics, load = async () => {}) {
  setStatus("connecting");
  const log = await api("/log");
  cursor = log.head;
  epoch = log.epoch;
  await load();
  pageTopics.forEach((topic) => topics.add(topic));
  if (!topics.size) {
    setStatus("live");
    return;
  }
  // Same origin: the browser sends the HttpOnly session cookie with the handshake; no token here.
  // The server writes its error acks in the language asked for: the page's.
  socket = io("/live", {
    transports: ["websocket", "polling"], reconnectionDelayMax: 2000, query: {lang: document.documentElement.lang || "de"},
  });
  for (const [name, list] of Object.entries(socketHandlers)) list.forEach((handler) => socket.on(name, handler));
  socket.on("event", apply);
  socket.on("connect", subscribe);
  socket.on("disconnect", () => setStatus("reconnecting"));
  socket.on("connect_error", (error) => {
    setStatus("reconnecting");
    if (String(error?.message || "").startsWith("session_ended")) location.assign("/login");
  });
  socket.on("revoked", () => location.reload());
}

/** Add topics to a running subscription (a page that learns its topic after loading). */
export function follow(more) {
  more.forEach((topic) => topics.add(topic));
  if (socket?.connected) subscribe();
}
