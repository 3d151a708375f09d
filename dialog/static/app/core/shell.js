// What every page shares: who is signed in, the inbox badge, signing out, and the page's start.
// A page module calls boot({topics, load, onEvent}) once.
import {api} from "./api.js";
import {flash, showError} from "./dom.js";
import {t} from "./i18n.js";
import * as live from "./live.js";

const root = document.documentElement.dataset;
/** The signed-in member as the server rendered the page ({id, role, name}), or null. */
export const viewer = root.viewerId ? {id: Number(root.viewerId), role: root.viewerRole, name: root.viewerName} : null;
export const isStaff = (...roles) => Boolean(viewer && roles.includes(viewer.role));

async function refreshUnread() {
  const badge = document.getElementById("unread");
  if (!badge) return;
  const {unread_count: unread} = await api("/notifications/unread-count");
  badge.textContent = unread ? String(unread) : "";
  badge.hidden = !unread;
  badge.setAttribute("aria-label", t("unread", {count: unread}));
}

function setUpSignOut() {
  document.getElementById("sign-out")?.addEventListener("click", async () => {
    try {
      await api("/auth/session", {method: "DELETE"});
    } catch (error) {
      if (error.status !== 401) return showError(error);  // 401: the session had ended already
    }
    location.assign("/");
  });
}

/**
 * Start the page: `load()` fills it over REST, then events on `topics` reach `onEvent`; the signed-in
 * member's own topic keeps the inbox badge live on every page.
 */
export async function boot({topics = [], load, onEvent} = {}) {
  setUpSignOut();
  if (sessionStorage.getItem("dialog-reloaded")) {
    sessionStorage.removeItem("dialog-reloaded");
    flash(t("reloaded"));
  }
  const all = [...topics];
  if (viewer) {
    all.push(`user.${viewer.id}`);
    live.onEvent((envelope) => {
      if (envelope.type.startsWith("notification.")) refreshUnread().catch(() => {});
    });
  }
  if (onEvent) live.onEvent(onEvent);
  try {
    await live.start(all, async () => {
      await Promise.all([load ? load() : null, viewer ? refreshUnread() : null]);
    });
  } catch (error) {
    showError(error);
  }
}
