// One funding call: dates in Berlin time with a countdown, follow, add to calendar; live updates.
import {api} from "../core/api.js";
import {$, h, fill, setHTML} from "../core/dom.js";
import {followButton} from "../core/follow.js";
import {pick, t, timeLeft, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const callId = Number($("#call").dataset.callId);
let deadline = null;

function tick() {
  $("#countdown").textContent = deadline ? (timeLeft(deadline) ? `(${timeLeft(deadline)})` : `(${t("deadline_passed")})`) : "";
}

function show(call) {
  $("#title").textContent = pick(call.title);
  document.title = `${pick(call.title)} – Smart City Dialog`;
  $("#status-label").textContent = t(call.status);
  $("#programme").textContent = `${call.programme} · ${t("round", {round: call.round})}`;
  $("#opens").textContent = when(call.opens_at) || "–";  // the early rounds' dates are not in the data
  $("#deadline").textContent = when(call.deadline) || "–";
  deadline = call.status === "open" || call.status === "announced" ? call.deadline : null;
  tick();
  $("#budget").textContent = call.budget ? new Intl.NumberFormat(document.documentElement.lang, {style: "currency", currency: call.currency || "EUR", maximumFractionDigits: 0}).format(Number(call.budget)) : "–";
  $("#motto").textContent = call.motto || "";
  setHTML($("#summary"), pick(call.summary));
  $("#apply").replaceChildren(call.application_url ? h("a", {href: call.application_url, rel: "noopener"}, t("apply")) : "");
  fill($("#changes"), call.deadline_changes || [], (change) =>
    h("li", {}, `${when(change.previous_deadline)} → ${when(change.deadline)}`, change.reason ? h("p", {class: "meta"}, change.reason) : null));
  $("#call").setAttribute("aria-busy", "false");
}

async function load() {
  try {
    show(await api(`/calls/${callId}`));
  } catch {
    $("#title").textContent = t("not_found");
  }
  await followButton($("#follow"), "call", callId);
}

setInterval(tick, 30000);
boot({topics: ["calls"], load, onEvent: (envelope) => {
  if (envelope.data.call_id === callId) api(`/calls/${callId}`).then(show).catch(() => {});
}});
