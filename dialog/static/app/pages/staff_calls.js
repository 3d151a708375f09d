// Editors' calls: prepare a call (draft) or announce it at once; "Edit" loads a call into the same
// form and saves what changed (`PATCH /calls/<id>`: every field the API lets editors change); announce a
// draft, move an announced call's deadline with a reason (`POST /calls/<id>/deadline`). Times are typed
// in Berlin time. The API's field errors (422) appear next to their fields.
import {all, api, newestWins} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {berlinToISO, isoToBerlin, pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const form = $("#call-form");
const calls = new Map();
let editing = null;  // the call loaded into the form, as the API gave it

async function act(path, body, method = "POST") {
  try {
    await api(path, {method, body});
    flash(t("saved"));
    await load();
  } catch (error) {
    showError(error);
  }
}

// -- the form's values as the API writes them ----------------------------------------------------
function multi(prefix) {
  const value = {};
  for (const lang of ["de", "en"]) {
    const text = $(`#${prefix}-${lang}`).value.trim();
    if (text) value[lang] = text;
  }
  return value;
}

function days(text) {
  // Whatever is typed goes to the API as typed (a word stays a word): its 422 names the field.
  return text.split(/[\s,;]+/).filter(Boolean).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function orNull(text) {
  return text.trim() || null;
}

/** Every field of the form, keyed like the API's fields. */
function values() {
  const round = $("#call-round").value.trim();
  const opens = $("#call-opens").value;
  const deadline = $("#call-deadline").value;
  return {
    programme: $("#call-programme").value.trim(),
    round: /^\d+$/.test(round) ? Number(round) : round || null,
    title: multi("call-title"),
    summary: multi("call-summary"),
    budget: orNull($("#call-budget").value),
    motto: orNull($("#call-motto").value),
    opens_at: opens ? berlinToISO(opens) : null,
    deadline: deadline ? berlinToISO(deadline) : null,
    application_url: orNull($("#call-url").value),
    reminder_days: days($("#call-reminders").value),
  };
}

/** The call's fields as the form shows them (to compare with what was typed). */
function shown(call) {
  return {
    programme: call.programme,
    round: call.round,
    title: call.title,
    summary: call.summary || {},
    budget: call.budget,
    motto: call.motto || null,
    opens_at: call.opens_at ? berlinToISO(isoToBerlin(call.opens_at)) : null,
    deadline: call.deadline ? berlinToISO(isoToBerlin(call.deadline)) : null,
    application_url: call.application_url || null,
    reminder_days: call.reminder_days,
  };
}

const NUMBERS = new Set(["round", "budget"]);  // "300000000" is the budget shown as "300000000.00"

function same(key, a, b) {
  if (a && b && typeof a === "object") return JSON.stringify(a) === JSON.stringify(b);
  if (NUMBERS.has(key) && a !== null && b !== null && a !== "" && !Number.isNaN(Number(a))) return Number(a) === Number(b);
  return a === b;
}

// -- create / edit -------------------------------------------------------------------------------
function startEdit(call) {
  editing = call;
  clearFieldErrors(form);
  $("#call-id").value = String(call.id);
  $("#call-programme").value = call.programme;
  $("#call-round").value = String(call.round);
  for (const lang of ["de", "en"]) {
    $(`#call-title-${lang}`).value = call.title[lang] || "";
    $(`#call-summary-${lang}`).value = call.summary?.[lang] || "";
  }
  $("#call-budget").value = call.budget || "";
  $("#call-motto").value = call.motto || "";
  $("#call-opens").value = isoToBerlin(call.opens_at);
  $("#call-deadline").value = isoToBerlin(call.deadline);
  $("#call-url").value = call.application_url || "";
  $("#call-reminders").value = call.reminder_days.join(", ");
  $("#call-legend").textContent = `${t("edit")}: ${pick(call.title)}`;
  $("#call-draft").hidden = $("#call-announce").hidden = true;
  $("#call-save").hidden = false;
  $("#call-title-de").focus();
}

function stopEdit() {
  editing = null;
  $("#call-id").value = "";
  $("#call-legend").textContent = t("new_call");
  $("#call-draft").hidden = $("#call-announce").hidden = false;
  $("#call-save").hidden = true;
  clearFieldErrors(form);
}

async function save(submitter) {
  const typed = values();
  if (editing) {
    const before = shown(editing);
    const changes = Object.fromEntries(Object.entries(typed).filter(([key, value]) => !same(key, value, before[key])));
    if (!Object.keys(changes).length) {
      flash(t("nothing_changed"));
      return;
    }
    await api(`/calls/${editing.id}`, {method: "PATCH", body: changes});
  } else {
    // A new call: only what was filled in (the API's defaults for the rest).
    const body = Object.fromEntries(Object.entries(typed).filter(([, value]) => value !== null &&
      !(typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length)));
    await api("/calls", {method: "POST", body: {...body, announce: submitter?.value === "announce"}});
  }
  form.reset();
  stopEdit();
  flash(t("saved"));
  await load();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await save(event.submitter);
  } catch (error) {
    showFieldErrors(form, error);
  }
});
form.addEventListener("reset", () => stopEdit());

// -- the list ------------------------------------------------------------------------------------
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

function callCard(call) {
  return h("li", {dataset: {key: `call:${call.id}`, status: call.status}},
    h("a", {class: "title", href: `/calls/${call.id}`}, pick(call.title)),
    h("p", {class: "meta"}, [t(call.status), call.deadline ? `${t("deadline")}: ${when(call.deadline)}` : null]
      .filter(Boolean).join(" · ")),
    h("p", {class: "actions"},
      h("button", {type: "button", class: "edit", onclick: () => startEdit(call)}, `${t("edit")}: ${pick(call.title)}`),
      call.status === "draft" ? h("button", {type: "button", class: "announce", onclick: () => act(`/calls/${call.id}/announce`)},
        `${t("announce")}: ${pick(call.title)}`) : null),
    call.status === "announced" || call.status === "open" ? deadlineForm(call) : null);
}

const load = newestWins(() => all("/calls", {limit: 100}, 200), (listed) => {
  const open = listed.filter((call) => call.status !== "closed");
  calls.clear();
  open.forEach((call) => calls.set(call.id, call));
  fill($("#calls"), open, callCard);
  // The call being edited changed meanwhile (another editor, a deadline move): compare with its new state.
  if (editing && calls.has(editing.id)) editing = calls.get(editing.id);
});

boot({topics: ["calls"], load, onEvent: (envelope) => {
  if (envelope.type.startsWith("call.")) load().catch(showError);
}});
