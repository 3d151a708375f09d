// One search over news, calls, projects, threads and posts (what the reader may see).
import {api} from "../core/api.js";
import {$, fill, h, showError} from "../core/dom.js";
import {t} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const PAGES = {
  news: (hit) => `/news/${hit.id}`, calls: (hit) => `/calls/${hit.id}`, projects: (hit) => `/projects/${hit.id}`,
  threads: (hit) => `/threads/${hit.id}`, posts: (hit) => `/threads/${hit.ref.thread_id}#post-${hit.id}`,
};

async function load() {
  const q = new URLSearchParams(location.search).get("q");
  if (!q) return;
  try {
    const page = await api("/search", {query: {q, limit: 50}});
    // A frequent word: the search ranked the newest 1000 matches and says there are more ("1000+").
    const count = page.total_is_lower_bound ? `${page.total}+` : page.total;
    $("#count").textContent = t("results", {count});
    fill($("#results"), page.items, (hit) => h("li", {},
      h("span", {class: "kind"}, hit.kind), h("a", {href: (PAGES[hit.kind] || (() => "#"))(hit), lang: hit.language}, hit.title),
      h("p", {class: "meta", lang: hit.language}, hit.snippet)));
  } catch (error) {
    showError(error);
  }
}
boot({load});
