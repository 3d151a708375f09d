// A Follow / Unfollow toggle button for a space, thread, call or project (PUT/DELETE /follows/<kind>/<key>).
import {api, all} from "./api.js";
import {showError} from "./dom.js";
import {t} from "./i18n.js";
import {viewer} from "./shell.js";

/** Wire `button` to follow `kind`/`key`; it shows and toggles the current state. */
export async function followButton(button, kind, key) {
  if (!button || !viewer) return;
  let following = (await all("/follows", {limit: 100})).some((f) => f.kind === kind && String(f.key) === String(key));
  const show = () => {
    button.textContent = following ? t("unfollow") : t("follow");
    button.setAttribute("aria-pressed", String(following));
  };
  show();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api(`/follows/${kind}/${encodeURIComponent(key)}`, {method: following ? "DELETE" : "PUT"});
      following = !following;
      show();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
}
