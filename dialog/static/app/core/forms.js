// Field errors next to their fields: a 422 from the API names each field (`details.json` for a body,
// `details.query` for a filter form's query, e.g. `{"title.de": ["..."]}`); other errors about one
// field name it in `details` directly (a 409 `{"handle": ["already taken"]}`, a 401 `{"current_password":
// ["is wrong"]}`); a control says which
// API field it writes with `data-field`, and its error slot is `#<control id>-error`
// (templates/_fields.html). Anything else goes to the alert line.
import {showError} from "./dom.js";

/** The control of `form` that writes the API field `key` (or the nearest enclosing/first nested one). */
function controlFor(form, key) {
  const exact = (name) => form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  for (let name = key; name; name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "") {
    const found = exact(name);
    if (found) return found;
  }
  return form.querySelector(`[data-field^="${CSS.escape(`${key}.`)}"]`);
}

/** Empty every error slot of `form`. */
export function clearFieldErrors(form) {
  form.querySelectorAll("[data-field]").forEach((control) => {
    control.removeAttribute("aria-invalid");
    const slot = document.getElementById(`${control.id}-error`);
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
  });
}

/** Show `error`'s field problems next to the fields of `form` (focus the first); the rest as an alert. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const details = error?.status === 422 ? error.details || {} : {json: error?.details || {}};
  const problems = [...Object.entries(details.json || {}), ...Object.entries(details.query || {})]
    .filter(([, messages]) => Array.isArray(messages));
  const unplaced = [];
  let first = null;
  for (const [key, messages] of problems) {
    const control = controlFor(form, key);
    const slot = control && document.getElementById(`${control.id}-error`);
    if (!slot) {
      unplaced.push(key);
      continue;
    }
    slot.textContent = [slot.textContent, ...[].concat(messages)].filter(Boolean).join(" ");
    slot.hidden = false;
    control.setAttribute("aria-invalid", "true");
    first = first || control;
  }
  if (!first || unplaced.length) showError(error);
  first?.focus();
}
