"""The strings the pages' scripts show, translated like the templates (gettext) and handed to the
script as JSON in the layout's `data-strings` attribute: no inline script, no second catalog."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

JS_STRINGS = {
    # connection state (every page)
    "connecting": _l("connecting …"),
    "live": _l("live"),
    "reconnecting": _l("connection lost – reconnecting …"),
    "reloaded": _l("The page was out of date and has been reloaded."),
    # lists
    "empty": _l("nothing yet"),
    "loading": _l("loading …"),
    "more": _l("Show more"),
    "error": _l("Something went wrong: %(message)s"),
    "not_found": _l("Not found."),
    # news, calls, announcements
    "published": _l("new"),
    "updated": _l("updated"),
    "retracted": _l("retracted"),
    "draft": _l("draft"),
    "announced": _l("announced"),
    "open": _l("open"),
    "closed": _l("closed"),
    "deadline_changed": _l("deadline moved"),
    "reminder": _l("reminder"),
    "broadcast": _l("announcement"),
    "deadline": _l("Deadline"),
    "opens": _l("Opens"),
    "budget": _l("Budget"),
    "apply": _l("How to apply"),
    "days_left": _l("%(days)s d %(hours)s h left"),
    "hours_left": _l("%(hours)s h %(minutes)s min left"),
    "minutes_left": _l("%(minutes)s min left"),
    "deadline_passed": _l("deadline passed"),
    "berlin_time": _l("Berlin time"),
    "follow": _l("Follow"),
    "unfollow": _l("Unfollow"),
    "following": _l("You follow this."),
    "not_following": _l("You do not follow this."),
    "sign_in_to_follow": _l("Sign in to follow."),
    # projects
    "round": _l("Round %(round)s"),
    "all": _l("all"),
    "results": _l("%(count)s results"),
    # spaces and threads
    "threads": _l("threads"),
    "posts": _l("%(count)s posts"),
    "locked": _l("locked"),
    "pinned": _l("pinned"),
    "hidden": _l("hidden by a moderator"),
    "deleted": _l("deleted"),
    "edited": _l("edited"),
    "reply": _l("Reply"),
    "replying_to": _l("Replying to %(name)s"),
    "cancel": _l("Cancel"),
    "edit": _l("Edit"),
    "save": _l("Save"),
    "history": _l("History"),
    "flag": _l("Flag"),
    "flag_reason": _l("Why should moderators look at this post?"),
    "flagged": _l("Thank you: the moderators will look at it."),
    "react": _l("React"),
    "reaction_like": _l("Like"),
    "reaction_thanks": _l("Thanks"),
    "reaction_agree": _l("Agree"),
    "reaction_idea": _l("Good idea"),
    "posted": _l("Posted."),
    "new_post": _l("New post by %(name)s"),
    "typing": _l("%(names)s is typing …"),
    "here": _l("Here now: %(names)s"),
    "nobody_here": _l("Nobody else is here."),
    "thread_locked": _l("This thread is locked: no new posts."),
    "sign_in_to_write": _l("Sign in to write."),
    # inbox
    "unread": _l("%(count)s unread"),
    "mark_read": _l("Mark read"),
    "all_read": _l("All read"),
    # account
    "saved": _l("Saved."),
    "signed_out": _l("You are signed out."),
    "session_ended": _l("Your session has ended: please sign in again."),
    "confirm_delete": _l("Really close your account? This cannot be undone."),
    "reset_sent": _l("If the address belongs to an account, a link is on its way."),
    "password_changed": _l("Your password has been changed. You can sign in now."),
    "welcome": _l("Welcome! You can sign in now."),
}


def js_strings() -> dict[str, str]:
    """The catalog above in the current request's language."""
    return {key: str(value) for key, value in JS_STRINGS.items()}
