// Editors' calls: prepare a call (draft) or announce it at once, announce a draft, move an announced
// call's deadline with a reason (`POST /calls/<id>/deadline`), edit a call's title (`PATCH /calls/<id>`).
// Times are typed in Berlin time.
import {all, api} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {berlinToISO, pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

async function act(path, body, method = "POST") {
  try {
    await api(path, {method, body});
    flash(t("saved"));
    await load();
  } catch (error) {
    showError(error);
  }
}

function deadlineForm(call) {
  const at = h("input", {id: `deadline-${call.id}`, type: "datetime-local", required: true});
  const reason = h("input", {id: `reason-${call.id}`, required: true, maxlength: "1000"});
  return h("form", {class: "inline", onsubmit: (event) => {
    event.preventDefault();
    act(`/calls/${call.id}/deadline`, {deadline: berlinToISO(at.value), reason: reason.value.trim()});
  }},
  h("label", {for: at.id}, t("new_deadline")), at, h("label", {for: reason.id}, t("reason")), reason,
  h("button", {type: "submit", class: "move-deadline"}, t("move_deadline")));
}

function titleForm(call) {
  const de = h("input", {id: `title-de-${call.id}`, required: true, maxlength: "300", value: call.title.de || ""});
  const en = h("input", {id: `title-en-${call.id}`, maxlength: "300", value: call.title.en || ""});
  return h("form", {class: "inline edit-title", onsubmit: (event) => {
    event.preventDefault();
    const title = {de: de.value.trim()};
    if (en.value.trim()) title.en = en.value.trim();
    act(`/calls/${call.id}`, {title}, "PATCH");
  }},
  h("label", {for: de.id}, t("title_de")), de, h("label", {for: en.id}, t("title_en")), en,
  h("button", {type: "submit", class: "save-title"}, t("save_title")));
}

function callCard(call) {
  return h("li", {dataset: {key: `call:${call.id}`, status: call.status}},
    h("a", {class: "title", href: `/calls/${call.id}`}, pick(call.title)),
    h("p", {class: "meta"}, [t(call.status), call.deadline ? `${t("deadline")}: ${when(call.deadline)}` : null]
      .filter(Boolean).join(" · ")),
    call.status === "draft" ? h("button", {type: "button", class: "announce", onclick: () => act(`/calls/${call.id}/announce`)},
      `${t("announce")}: ${pick(call.title)}`) : null,
    titleForm(call),
    call.status === "announced" || call.status === "open" ? deadlineForm(call) : null);
}

async function load() {
  const calls = await all("/calls", {limit: 100}, 200);
  fill($("#calls"), calls.filter((call) => call.status !== "closed"), callCard);
}

$("#call-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = {de: $("#call-title-de").value.trim()};
  if ($("#call-title-en").value.trim()) title.en = $("#call-title-en").value.trim();
  const opens = $("#call-opens").value;
  const deadline = $("#call-deadline").value;
  try {
    await api("/calls", {method: "POST", body: {
      round: Number($("#call-round").value), title, announce: event.submitter?.value === "announce",
      opens_at: opens ? berlinToISO(opens) : null, deadline: deadline ? berlinToISO(deadline) : null}});
    event.target.reset();
    flash(t("saved"));
    await load();
  } catch (error) {
    showError(error);
  }
});

boot({topics: ["calls"], load, onEvent: (envelope) => {
  if (envelope.type.startsWith("call.")) load().catch(showError);
}});
