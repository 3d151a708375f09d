// After which events what this reader may do in a space (and its threads) may have changed, so that a
// page reads its `permissions` again (the API decides, the page follows). They reach the page on the
// space's topic or on the member's own topic `user.<id>` (added to or removed from a space, a new role).
const SPACE_ACCESS = new Set(["space.member_added", "space.member_removed", "space.visibility_changed"]);

/** Whether `envelope` may change what the reader may do in `space` ({id, slug}). */
export function changesAccess(envelope, space) {
  if (envelope.type === "member.role_changed") return true;  // only ever on the reader's own topic
  const data = envelope.data || {};
  return SPACE_ACCESS.has(envelope.type) && Boolean(space) && (data.space_id === space.id || data.space === space.slug);
}
