"""The words for complaint codes: statuses, events, actions, channels, outcomes,
grounds, clock states, error codes. Each table maps a stored or posted code to a lazy
message (``collector.core.i18n``), rendered in the page's language by ``str()`` or in
the case's language by ``translator(case.language).render(...)``. Templates of the
complaint pages see this module as ``complaint_labels``.
"""

from __future__ import annotations

from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext

CASE_STATUS: dict[str, LazyText] = {
    "received": lazy_pgettext("case status", "Received"),
    "assigned": lazy_pgettext("case status", "Assigned"),
    "in_progress": lazy_gettext("In progress"),
    "awaiting_supplement": lazy_gettext("Awaiting supplement"),
    "replied": lazy_pgettext("case status", "Replied"),
    "closed": lazy_pgettext("case status", "Closed"),
    "declined": lazy_gettext("Declined"),
    "transferred": lazy_pgettext("case status", "Transferred to another agency"),
    "merged": lazy_pgettext("case status", "Merged"),
    "reopened": lazy_gettext("Reopened"),
}
"""A case's status on the staff pages."""

STATUS_FILTERS: dict[str, LazyText] = {
    "open": lazy_gettext("Open cases (all)"),
    "any": lazy_gettext("Any status"),
}
"""The queue's status filter beyond the statuses themselves."""

COMPLAINANT_STATUS: dict[str, LazyText] = {
    "closed": lazy_pgettext("complaint status", "Closed"),
    "received": lazy_pgettext("complaint status", "Received"),
    "declined": lazy_gettext("Declined"),
    "transferred": lazy_pgettext("complaint status", "Transferred to another agency"),
    "replied": lazy_pgettext("complaint status", "Replied"),
    "assigned": lazy_pgettext("complaint status", "Assigned to a unit"),
    "in_progress": lazy_gettext("Being handled"),
    "awaiting_supplement": lazy_gettext("Waiting for more information from you"),
    "reopened": lazy_gettext("Being handled again"),
    "merged": lazy_pgettext("complaint status", "Handled together with another case"),
}
"""A case's status as the complainant sees it (follow page, API)."""

CASE_EVENT: dict[str, LazyText] = {
    "close": lazy_pgettext("case history", "Closed"),
    "received": lazy_pgettext("case history", "Received"),
    "decline": lazy_gettext("Declined"),
    "extend": lazy_pgettext("case history", "Deadline extended"),
    "transfer_agency": lazy_pgettext("case history", "Transferred to another agency"),
    "reply": lazy_pgettext("case history", "Replied"),
    "reopen": lazy_gettext("Reopened"),
    "start": lazy_gettext("Handling started"),
    "assign": lazy_pgettext("case history", "Assigned"),
    "merge": lazy_pgettext("case history", "Merged"),
    "note": lazy_gettext("Internal note"),
    "request_supplement": lazy_gettext("Supplement requested"),
    "supplement_received": lazy_gettext("Supplement received"),
    "transfer_unit": lazy_gettext("Transferred to another unit"),
    "transferred_in": lazy_gettext("Transferred in"),
    "merged_in": lazy_gettext("Another case merged in"),
    "restrict": lazy_gettext("Restricted (deletion request)"),
    "reminder": lazy_gettext("Reminded: the deadline is near"),
    "escalated": lazy_gettext("Overdue: the administrators were told"),
    "attachment_removed": lazy_gettext("Attachment removed: the virus scanner found something"),
}
"""A history event on the staff case page."""

COMPLAINANT_EVENT: dict[str, LazyText] = {
    "close": lazy_pgettext("complaint history", "Closed"),
    "received": lazy_pgettext("complaint history", "Received"),
    "decline": lazy_gettext("Declined"),
    "transfer_agency": lazy_pgettext("complaint history", "Transferred to another agency"),
    "reopen": lazy_gettext("Reopened"),
    "assign": lazy_pgettext("complaint history", "Assigned to a unit"),
    "merge": lazy_pgettext("complaint history", "Handled together with another case"),
    "start": lazy_gettext("Handling started"),
    "request_supplement": lazy_gettext("More information asked from you"),
    "supplement_received": lazy_gettext("Your supplement received"),
    "extend": lazy_gettext("Handling time extended"),
    "transfer_unit": lazy_gettext("Passed to another unit"),
    "transferred_in": lazy_gettext("Received by the agency it was transferred to"),
    "reply": lazy_pgettext("complaint history", "Reply"),
    "merged_in": lazy_gettext("Another case joined to this one"),
    "other": lazy_gettext("Update"),
}
"""A history event as the complainant sees it; anything else is an update."""

OPEN311_EVENT: dict[str, LazyText] = {
    "close": lazy_pgettext("open311 status", "Closed"),
    "received": lazy_pgettext("open311 status", "Received"),
    "decline": lazy_gettext("Declined"),
    "request_supplement": lazy_gettext("More information requested"),
    "supplement_received": lazy_gettext("More information received"),
    "extend": lazy_pgettext("open311 status", "Deadline extended"),
    "transfer_agency": lazy_pgettext("open311 status", "Transferred to another agency"),
    "transferred_in": lazy_gettext("Transferred in from another agency"),
    "reply": lazy_pgettext("open311 status", "Replied"),
    "reopen": lazy_gettext("Reopened"),
    "merge": lazy_gettext("Merged with another case"),
}
"""A public event in the Open311 facade's status notes."""

ACTIONS: dict[str, LazyText] = {
    "reopen": lazy_pgettext("case action", "Reopen"),
    "reply": lazy_pgettext("case action", "Reply"),
    "assign": lazy_gettext("Assign"),
    "start": lazy_gettext("Start handling"),
    "decline": lazy_gettext("Decline"),
    "request_supplement": lazy_gettext("Ask for a supplement"),
    "supplement_received": lazy_gettext("Record the supplement received"),
    "extend": lazy_gettext("Extend the deadline"),
    "transfer_unit": lazy_gettext("Transfer to another unit"),
    "transfer_agency": lazy_gettext("Transfer to another agency"),
    "close": lazy_gettext("Close"),
    "merge": lazy_gettext("Merge into another case"),
    "note": lazy_gettext("Internal note"),
}
"""Each action form of the case page (its heading and button)."""

DONE: dict[str, LazyText] = {
    "assign": lazy_gettext("Done: assign."),
    "start": lazy_gettext("Done: start handling."),
    "decline": lazy_gettext("Done: decline."),
    "request_supplement": lazy_gettext("Done: ask for a supplement."),
    "supplement_received": lazy_gettext("Done: record the supplement received."),
    "extend": lazy_gettext("Done: extend the deadline."),
    "transfer_unit": lazy_gettext("Done: transfer to another unit."),
    "transfer_agency": lazy_gettext("Done: transfer to another agency."),
    "reply": lazy_gettext("Done: reply sent."),
    "close": lazy_gettext("Done: close."),
    "reopen": lazy_gettext("Done: reopen."),
    "merge": lazy_gettext("Done: merge into another case."),
    "note": lazy_gettext("Done: internal note."),
    "restrict": lazy_gettext("The case is now restricted."),
    "release": lazy_gettext("Done: the file is released and can be downloaded."),
}
"""What the case page says once an action is done (``?done=``)."""

CHANNELS: dict[str, LazyText] = {
    "online": lazy_gettext("Online"),
    "phone": lazy_gettext("Phone"),
    "counter": lazy_gettext("At the counter"),
    "letter": lazy_pgettext("intake channel", "Letter"),
    "email": lazy_gettext("E-mail"),
    "open311": lazy_gettext("Open311"),
    "api": lazy_gettext("API"),
}
"""How a complaint came in."""

REPLY_CHANNELS: dict[str, LazyText] = {
    "email": lazy_gettext("E-mail"),
    "letter": lazy_pgettext("reply channel", "Letter"),
    "phone": lazy_gettext("Phone"),
    "none": lazy_gettext("No reply"),
}
"""How the complainant wants the reply, on the staff pages."""

PUBLIC_REPLY_CHANNELS: dict[str, LazyText] = {
    "email": lazy_gettext("Email"),
    "letter": lazy_gettext("Letter (post)"),
    "phone": lazy_gettext("Phone"),
    "none": lazy_gettext("No reply needed (I will check online)"),
}
"""How the complainant wants the reply, on the public form."""

REPLY_NEEDS: dict[str, LazyText] = {
    "email": lazy_gettext("For a reply by email, enter your email address."),
    "letter": lazy_gettext("For a reply by letter, enter your postal address."),
    "phone": lazy_gettext("For a reply by phone, enter your phone number."),
}
"""What the public form asks for when a reply channel lacks its contact detail."""

OUTCOMES: dict[str, LazyText] = {
    "upheld": lazy_pgettext("case outcome", "Upheld"),
    "partly_upheld": lazy_gettext("Partly upheld"),
    "not_upheld": lazy_gettext("Not upheld"),
    "explained": lazy_gettext("Explained"),
    "withdrawn": lazy_pgettext("case outcome", "Withdrawn"),
}
"""How a case ended."""

FOLLOWUP_OUTCOMES: dict[str, LazyText] = {
    "upheld": lazy_pgettext("follow-up outcome", "Upheld"),
    "partly_upheld": lazy_gettext("Partly upheld"),
    "not_upheld": lazy_gettext("Not upheld"),
    "explained": lazy_gettext("Explained"),
    "withdrawn": lazy_pgettext("follow-up outcome", "Withdrawn"),
}
"""How a case ended, on the follow-up pages."""

GROUNDS: dict[str, LazyText] = {
    "no_concrete_content": lazy_gettext(
        "No concrete content (Administrative Procedure Act §173 (1))"
    ),
    "no_real_name_or_address": lazy_gettext("No real name or address (§173 (1))"),
    "repeated_answered": lazy_gettext(
        "The same matter was handled and clearly answered, and is raised again (§173 (2))"
    ),
    "not_a_complaint": lazy_gettext(
        "Not a complaint (e.g. an administrative appeal or lawsuit is the remedy) (§173 (3))"
    ),
    "other": lazy_gettext("Another legal ground (explain in the reason)"),
}
"""Legal grounds for declining (cases.DECLINE_GROUNDS)."""

CLOCK: dict[str, LazyText] = {
    "overdue": lazy_gettext("Overdue"),
    "due_soon": lazy_gettext("Due soon"),
    "paused": lazy_gettext("Paused (awaiting supplement)"),
    "on_track": lazy_gettext("On track"),
}
"""A case's clock state in the queue and on the case page."""

WHO: dict[str, LazyText] = {
    "mine": lazy_gettext("Mine and not yet taken"),
    "unit": lazy_gettext("My unit"),
    "all": lazy_gettext("All of the agency"),
}
"""The queue's 'whose cases' filter."""

DAY_KINDS: dict[str, LazyText] = {
    "calendar": lazy_gettext("calendar days"),
    "working": lazy_gettext("working days"),
}
"""Calendar or working days."""

LANGUAGES: dict[str, LazyText] = {
    "zh-Hant-TW": lazy_gettext("Chinese"),
    "en": lazy_gettext("English"),
    "vi": lazy_gettext("Vietnamese"),
    "id": lazy_gettext("Indonesian"),
    "th": lazy_gettext("Thai"),
}
"""The language a complaint was written in (a plugin's language shows its own name)."""

ACTORS: dict[str, LazyText] = {
    "other_agency": lazy_gettext("Staff of another agency"),
    "complainant": lazy_gettext("The complainant"),
    "routing": lazy_gettext("Routing"),
}
"""Who acted, when it was not a staff member."""

REASONS: dict[str, LazyText] = {
    "request_supplement": lazy_gettext("What is missing (sent to the complainant)"),
    "reopen": lazy_gettext("Why the case is reopened"),
    "extend": lazy_gettext("Reason for the extension (sent to the complainant)"),
}
"""The label of the reason field of an action form."""

TEXTS: dict[str, LazyText] = {
    "supplement_received": lazy_gettext("The supplement (received by phone, letter...)"),
    "note": lazy_gettext("Note (never shown to the complainant)"),
}
"""The label of the text field of an action form."""

DISPOSITIONS: dict[str, LazyText] = {
    "refused": lazy_gettext("Refused"),
    "no_contact": lazy_gettext("No contact"),
    "other": lazy_gettext("Other (wrong number, unable to answer)"),
}
"""What happened on a follow-up call that gave no answers."""

DASHBOARD_DIMENSIONS: dict[str, LazyText] = {
    "process": lazy_gettext("Process mean"),
    "outcome": lazy_gettext("Outcome mean"),
}
"""The dashboard's satisfaction dimensions."""

DASHBOARD_SOURCES: dict[str, LazyText] = {
    "phone": lazy_gettext("Phone sample (weighted)"),
    "online": lazy_gettext("Online link (unweighted)"),
}
"""Where the dashboard's satisfaction answers came from."""

PUBLIC_ERRORS: dict[str, LazyText] = {
    "case_bad_category": lazy_gettext("This category is no longer in use; choose another."),
    "case_content_required": lazy_gettext("Enter a subject and a description."),
    "case_supplement_required": lazy_gettext("Write your supplement."),
    "case_action_not_allowed": lazy_gettext("The case does not need a supplement now."),
}
"""Why the public pages refused a request (a CaseError code); anything else is the generic one."""

PUBLIC_ERROR = lazy_gettext(
    "This request could not be handled. Please reload the page and try again."
)
"""Any other refusal on the public pages."""

CASE_ERRORS: dict[str, LazyText] = {
    "case_action_not_allowed": lazy_gettext(
        "The case's current status does not allow this action."
    ),
    "case_already_restricted": lazy_gettext("The case is already restricted."),
    "case_assign_nobody": lazy_gettext("Choose a unit or a handler."),
    "case_bad_category": lazy_gettext("Choose an active complaint category of that agency."),
    "case_bad_extension": lazy_gettext("The extension is outside the allowed number of days."),
    "case_bad_ground": lazy_gettext("Choose the legal ground for declining."),
    "case_bad_handler": lazy_gettext(
        "The handler must be an active case handler or administrator of this agency."
    ),
    "case_bad_merge": lazy_gettext(
        "A case can only be merged into another open case of this agency."
    ),
    "case_bad_outcome": lazy_gettext("Choose how the case ended."),
    "case_bad_retention": lazy_gettext("No such retention class."),
    "case_bad_unit": lazy_gettext("This agency has no such unit."),
    "case_content_required": lazy_gettext("A complaint needs a subject and a description."),
    "case_not_destroyable": lazy_gettext(
        "The case's retention period has not ended: it cannot be destroyed."
    ),
    "case_note_required": lazy_gettext("The note is empty."),
    "case_reason_required": lazy_gettext("Give a reason."),
    "case_reply_required": lazy_gettext("The reply is empty."),
    "case_reply_placeholder": lazy_gettext(
        "The reply still holds a placeholder in braces, such as {…}: write the answer in its place, then send."
    ),
    "case_same_agency": lazy_gettext(
        "Within the agency, transfer the case to another unit instead."
    ),
    "case_supplement_required": lazy_gettext("The supplement is empty."),
    "case_stale": lazy_gettext(
        "Someone changed this case after you opened it; nothing was done. Look at the case as it is now and try again."
    ),
    "case_read_back_required": lazy_gettext(
        "A complaint by phone or at the counter must be read back to the complainant and confirmed before it is saved."
    ),
    "cs_merge_not_found": lazy_gettext("No such case number in this agency."),
    "cs_confirm_number": lazy_gettext("Type this case's number to confirm."),
}
"""What the staff pages say for each ``cases.CaseError`` key (and the pages' own checks)."""
