// Building the page: elements from data, text always as textContent (never parsed as HTML).
import {t} from "./i18n.js";

/** An element: h("a", {href: "/x", class: "y"}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (selector, scope = document) => scope.querySelector(selector);

/** Show a message in the page's alert line (read out by screen readers). */
export function flash(message) {
  const line = $("#flash");
  line.textContent = message;
  line.hidden = !message;
}

/** Show an error from the API (or anything thrown) to the reader. */
export function showError(error) {
  flash(t("error", {message: error?.message || String(error)}));
}

/** Fill a list element with `items` rendered by `render`, or an "empty" entry. */
export function fill(list, items, render) {
  list.replaceChildren(...items.map(render));
  if (!items.length) list.append(h("li", {class: "empty"}, t("empty")));
}

/**
 * Sanitised HTML from our API (news bodies are cleaned by the server with nh3) into `element`.
 * Parsed inert by DOMParser, so nothing in it runs; the CSP refuses inline handlers as well.
 */
export function setHTML(element, html) {
  const doc = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  element.replaceChildren(...doc.body.childNodes);
}

/**
 * Show or hide a write form by what the API says the reader may do (`permissions`): when they may
 * not, the form is hidden and `explanation` says why instead.
 */
export function allowForm(form, explanation, permissions) {
  const allowed = Boolean(permissions?.can_post);
  if (form) form.hidden = !allowed;
  if (explanation) {
    explanation.hidden = allowed;
    explanation.textContent = allowed ? "" : t(`cannot_post_${permissions?.reason || "no_access"}`);
  }
}
