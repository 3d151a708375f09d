// Admins: find members (search, role, status), change a role, deactivate / reactivate an account;
// invite into any role, revoke or re-send an open invitation. The API refuses what is not allowed
// (the last active admin, say) and the page shows its message.
import {all, api} from "../core/api.js";
import {$, fill, flash, h, showError} from "../core/dom.js";
import {clearFieldErrors, showFieldErrors} from "../core/forms.js";
import {t, when} from "../core/i18n.js";
import {boot} from "../core/shell.js";

const ROLES = ["member", "partner", "editor", "moderator", "admin"];

function roleSelect(id, current) {
  return h("select", {id}, ROLES.map((role) => h("option", {value: role, selected: role === current}, t(`role_${role}`))));
}

async function change(member, changes) {
  try {
    const updated = await api(`/members/${member.id}`, {method: "PATCH", body: changes});
    flash(t("saved"));
    $(`#members li[data-key='member:${member.id}']`).replaceWith(memberCard(updated));
  } catch (error) {
    showError(error);
  }
}

function memberCard(member) {
  const id = `role-${member.id}`;
  const select = roleSelect(id, member.role);
  return h("li", {dataset: {key: `member:${member.id}`, active: String(member.active)}},
    h("span", {class: "title"}, `${member.name} (@${member.handle})`),
    h("p", {class: "meta"}, [member.email, member.organisation, member.active ? null : t("deactivated")].filter(Boolean).join(" · ")),
    h("form", {class: "inline", onsubmit: (event) => { event.preventDefault(); change(member, {role: select.value}); }},
      h("label", {for: id}, t("role")), select, h("button", {type: "submit", class: "change-role"}, t("change_role"))),
    h("button", {type: "button", class: member.active ? "deactivate" : "reactivate",
                 onclick: () => change(member, {active: !member.active})},
      `${t(member.active ? "deactivate" : "reactivate")}: ${member.name}`));
}

async function loadMembers() {
  const page = await api("/members", {query: {q: $("#member-q").value.trim(), role: $("#member-role").value,
                                              status: $("#member-status").value, limit: 50}});
  $("#member-total").textContent = t("results", {count: page.total ?? page.items.length});
  fill($("#members"), page.items, memberCard);
}

function invitationState(invitation) {
  if (invitation.accepted_at) return t("invitation_accepted");
  if (invitation.revoked_at) return t("invitation_revoked");
  return t("invitation_open", {time: when(invitation.expires_at)});
}

function invitationCard(invitation) {
  const open = !invitation.accepted_at && !invitation.revoked_at;
  return h("li", {dataset: {key: `invitation:${invitation.id}`, open: String(open)}},
    h("span", {class: "title"}, invitation.email),
    h("p", {class: "meta"}, `${t(`role_${invitation.role}`)} · ${invitationState(invitation)}`),
    open ? h("p", {class: "actions"},
      h("button", {type: "button", class: "resend", onclick: () => invitationAction(`/invitations/${invitation.id}/resend`, "POST")},
        `${t("resend")}: ${invitation.email}`),
      h("button", {type: "button", class: "revoke", onclick: () => invitationAction(`/invitations/${invitation.id}`, "DELETE")},
        `${t("revoke")}: ${invitation.email}`)) : null);
}

async function invitationAction(path, method) {
  try {
    await api(path, {method});
    flash(t("saved"));
    await loadInvitations();
  } catch (error) {
    showError(error);
  }
}

async function loadInvitations() {
  fill($("#invitations"), await all("/invitations", {limit: 100}, 200), invitationCard);
}

$("#member-search").addEventListener("submit", (event) => {
  event.preventDefault();
  loadMembers().then(() => clearFieldErrors(event.target), (error) => showFieldErrors(event.target, error));
});

$("#invite-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = $("#invite-email").value.trim();
  try {
    await api("/invitations", {method: "POST", body: {email, role: $("#invite-role").value,
                                                      country: $("#invite-country").value.trim().toUpperCase() || null}});
    event.target.reset();
    clearFieldErrors(event.target);
    flash(t("invited", {email}));
    await loadInvitations();
  } catch (error) {
    showFieldErrors(event.target, error);
  }
});

boot({load: () => Promise.all([loadMembers(), loadInvitations()])});
