// @ autocomplete in a textarea: type @ and a few letters, choose with the arrow keys and Enter (or
// Tab, or a click); Escape closes. The list is a listbox the textarea controls (aria-activedescendant).
import {api} from "./api.js";
import {h} from "./dom.js";

export function attachMentions(textarea, listbox) {
  let choices = [];
  let active = -1;
  let asked = 0;

  const close = () => {
    listbox.hidden = true;
    choices = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
    textarea.setAttribute("aria-expanded", "false");
  };
  const word = () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(/(?:^|\s)@([\p{L}\p{N}_.-]{1,30})$/u);
    return match ? match[1] : null;
  };
  const choose = (index) => {
    const person = choices[index];
    if (!person) return;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@[\p{L}\p{N}_.-]*$/u, `@${person.handle} `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    close();
    textarea.focus();
  };
  const show = () => {
    listbox.replaceChildren(...choices.map((person, index) => h("li", {
      id: `mention-${person.id}`, role: "option", "aria-selected": String(index === active),
      onmousedown: (event) => { event.preventDefault(); choose(index); },
    }, `${person.name} (@${person.handle})`)));
    listbox.hidden = !choices.length;
    textarea.setAttribute("aria-expanded", String(choices.length > 0));
    if (active >= 0) textarea.setAttribute("aria-activedescendant", `mention-${choices[active].id}`);
  };

  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-expanded", "false");
  textarea.addEventListener("input", async () => {
    const q = word();
    if (!q) return close();
    const ticket = ++asked;
    const found = await api("/people/autocomplete", {query: {q}}).catch(() => ({items: []}));
    if (ticket !== asked) return;  // a newer keystroke asked meanwhile
    choices = found.items.slice(0, 8);
    active = choices.length ? 0 : -1;
    show();
  });
  textarea.addEventListener("keydown", (key) => {
    if (listbox.hidden || !choices.length) return;
    if (key.key === "ArrowDown" || key.key === "ArrowUp") {
      key.preventDefault();
      active = (active + (key.key === "ArrowDown" ? 1 : -1) + choices.length) % choices.length;
      show();
    } else if (key.key === "Enter" || key.key === "Tab") {
      key.preventDefault();
      choose(active);
    } else if (key.key === "Escape") {
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}
