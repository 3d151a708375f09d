// The spaces the viewer may read.
import {all} from "../core/api.js";
import {$, fill, h} from "../core/dom.js";
import {pick} from "../core/i18n.js";
import {boot} from "../core/shell.js";

async function load() {
  const spaces = await all("/spaces", {limit: 100});
  fill($("#spaces"), spaces, (space) => h("li", {},
    h("a", {href: `/spaces/${encodeURIComponent(space.slug)}`}, pick(space.name)),
    h("p", {class: "meta"}, pick(space.description))));
}
boot({load});
