// The model projects directory: search and filters (round, state, topic), as query parameters.
import {all, api} from "../core/api.js";
import {$, fill, h, showError} from "../core/dom.js";
import {t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const form = $("#filters");
const params = new URLSearchParams(location.search);

function options(select, values, label = (v) => v) {
  for (const value of values) select.append(h("option", {value}, label(value)));
  select.value = params.get(select.name) || "";
}

async function search() {
  const query = Object.fromEntries([...new FormData(form)].filter(([, v]) => v));
  const items = await all("/projects", {...query, limit: 100});
  $("#count").textContent = t("results", {count: items.length});
  fill($("#projects"), items, (p) => h("li", {},
    h("a", {href: `/projects/${p.id}`}, p.name),
    h("p", {class: "meta"}, [t("round", {round: p.round}), p.federal_states.join(", "), p.topics.join(", ")].filter(Boolean).join(" · "))));
}

async function load() {
  const everything = await all("/projects", {limit: 100});
  const distinct = (pick) => [...new Set(everything.flatMap(pick))].sort();
  options($("#round"), distinct((p) => [p.round]).map(String), (r) => t("round", {round: r}));
  options($("#state"), distinct((p) => p.federal_states));
  options($("#topic"), distinct((p) => p.topics));
  $("#q").value = params.get("q") || "";
  await search();
}

form.addEventListener("submit", (submit) => {
  submit.preventDefault();
  const query = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
  history.replaceState(null, "", `?${query}`);
  search().catch(showError);
});
boot({load});
