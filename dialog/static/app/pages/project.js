// One model project and its live feed (topic project.<id>).
import {api} from "../core/api.js";
import {$, fill, h} from "../core/dom.js";
import {followButton} from "../core/follow.js";
import {pick, t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const projectId = Number($("#project").dataset.projectId);
const feed = [];

function renderFeed() {
  fill($("#feed"), feed.slice(0, 30), (entry) => h("li", {class: entry.fresh ? "fresh" : "", dataset: {eventId: entry.id}},
    h("span", {class: "kind"}, t(entry.type.split(".")[1])),
    entry.href ? h("a", {href: entry.href}, entry.title) : entry.title,
    h("p", {class: "meta"}, when(entry.at))));
}

function entryOf(envelope, fresh = false) {
  const d = envelope.data;
  return {id: envelope.id, type: envelope.type, at: envelope.occurred_at, fresh,
          title: pick(d.title) || d.name || "", href: d.news_id ? `/news/${d.news_id}` : null};
}

async function load() {
  try {
    const project = await api(`/projects/${projectId}`);
    $("#title").textContent = project.name;
    document.title = `${project.name} – Smart City Dialog`;
    $("#meta").textContent = [t("round", {round: project.round}), project.federal_states.join(", "), project.topics.join(", ")].join(" · ");
    $("#description").textContent = pick(project.description);
    $("#links").replaceChildren(project.website ? h("a", {href: project.website, rel: "noopener"}, project.website) : "");
  } catch {
    $("#title").textContent = t("not_found");
  }
  $("#project").setAttribute("aria-busy", "false");
  const history = (await api("/events", {query: {topics: `project.${projectId}`, since: 0, limit: 100}}).catch(() => ({items: []}))).items;
  feed.push(...history.reverse().map((e) => entryOf(e)));
  renderFeed();
  await followButton($("#follow"), "project", projectId);
}

boot({topics: [`project.${projectId}`], load, onEvent: (envelope) => {
  feed.unshift(entryOf(envelope, true));
  renderFeed();
}});
