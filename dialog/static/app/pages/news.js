// One news article; an update or retraction shows at once.
import {api} from "../core/api.js";
import {$, setHTML} from "../core/dom.js";
import {pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const article = $("#article");
const newsId = Number(article.dataset.newsId);

function show(item) {
  $("#title").textContent = pick(item.title);
  document.title = `${pick(item.title)} – Smart City Dialog`;
  $("#meta").textContent = [when(item.published_at), (item.tags || []).join(", "),
                            item.status === "retracted" ? t("retracted") : ""].filter(Boolean).join(" · ");
  setHTML($("#body"), pick(item.body));
  article.setAttribute("aria-busy", "false");
}

async function load() {
  try {
    show(await api(`/news/${newsId}`));
  } catch (error) {
    $("#title").textContent = t("not_found");
    article.setAttribute("aria-busy", "false");
  }
}

boot({topics: ["news"], load, onEvent: (envelope) => {
  if (envelope.data.news_id === newsId) load();
}});
