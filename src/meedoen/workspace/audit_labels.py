"""The words in which the audit log page names what was done and why. The records keep their codes
(``personal_data.read``, the purpose as the module wrote it); they are worded only when shown, and
a code without words here is shown as it was recorded."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

from meedoen.early_signals.feedback import PURPOSE as FEEDBACK_PURPOSE
from meedoen.early_signals.letters import OFFER_LETTER_PURPOSE
from meedoen.early_signals.retention import AFTER_HELP, ERASE_ACTION, SENT_IN_ERROR, WITHOUT_HELP
from meedoen.early_signals.retention import REASONS as RETENTION_REASONS
from meedoen.early_signals.selectors import CASE_PURPOSE, PROOF_ACTION
from meedoen.early_signals.withdrawals import WITHDRAW_ACTION
from meedoen.socialmap.hsds.importer import AUDIT_ACTION as HSDS_IMPORT_ACTION

EXPORT_ACTION = "audit_log.export"
"""An auditor exported records of the audit log."""

# A code is in one group; the groups are the option groups of the page's choice of action.
ACTION_GROUPS: tuple[tuple[Promise, tuple[tuple[str, Promise], ...]], ...] = (
    (
        pgettext_lazy("audit log", "Personal data"),
        (("personal_data.read", pgettext_lazy("audit log", "Personal data viewed")),),
    ),
    (
        pgettext_lazy("audit log", "Early signalling"),
        (
            ("early_signals.delivery.receive", pgettext_lazy("audit log", "Delivery of signals received")),
            ("early_signals.delivery.complete", pgettext_lazy("audit log", "Delivery of signals completed")),
            ("early_signals.signal.receive", pgettext_lazy("audit log", "Signal received")),
            (WITHDRAW_ACTION, pgettext_lazy("audit log", "Signal withdrawn by the creditor")),
            ("early_signals.case.attempt", pgettext_lazy("audit log", "Attempt to reach the household recorded")),
            ("early_signals.case.move", pgettext_lazy("audit log", "Case moved to another tray")),
            ("early_signals.case.close", pgettext_lazy("audit log", "Case closed")),
            (
                "early_signals.case.outcome_corrected",
                pgettext_lazy("audit log", "Outcome of a closed case corrected: every signal sent in error"),
            ),
            ("early_signals.case.reopen", pgettext_lazy("audit log", "Case opened again")),
            (
                "early_signals.case.join",
                pgettext_lazy("audit log", "Another case about the same person joined with this one"),
            ),
            (
                "early_signals.case.split",
                pgettext_lazy("audit log", "Join undone: the case joined with this one is about someone else"),
            ),
            (
                "early_signals.case.separate",
                pgettext_lazy("audit log", "Signals about someone else moved to a case of their own"),
            ),
            (ERASE_ACTION, pgettext_lazy("audit log", "Personal data of a case removed")),
            ("early_signals.case.search", pgettext_lazy("audit log", "Cases searched for")),
            ("early_signals.feedback.read", pgettext_lazy("audit log", "Feedback asked for by a creditor")),
            (PROOF_ACTION, pgettext_lazy("audit log", "Proof of receipt asked for by a creditor")),
            ("early_signals.agreement.set", pgettext_lazy("audit log", "Agreement with a creditor set")),
            ("early_signals.token.create", pgettext_lazy("audit log", "Key for a creditor made")),
            ("early_signals.token.revoke", pgettext_lazy("audit log", "Key of a creditor revoked")),
            ("early_signals.settings.update", pgettext_lazy("audit log", "Settings of early signalling changed")),
            ("early_signals.threshold.set", pgettext_lazy("audit log", "Threshold for a kind of creditor set")),
            ("early_signals.letter_template.set", pgettext_lazy("audit log", "Offer letter changed")),
            (
                "early_signals.letter_template.clear",
                pgettext_lazy("audit log", "Offer letter back to the standard text"),
            ),
        ),
    ),
    (
        pgettext_lazy("audit log", "Social map"),
        (
            ("offer.create", pgettext_lazy("audit log", "Offer added")),
            ("offer.update", pgettext_lazy("audit log", "Offer changed")),
            ("offer.checked", pgettext_lazy("audit log", "Offer checked: still correct")),
            ("offer.delete", pgettext_lazy("audit log", "Offer removed")),
            ("location.create", pgettext_lazy("audit log", "Place added")),
            ("location.update", pgettext_lazy("audit log", "Place changed")),
            (HSDS_IMPORT_ACTION, pgettext_lazy("audit log", "Social map imported (HSDS)")),
        ),
    ),
    (
        pgettext_lazy("audit log", "Schemes"),
        (
            ("scheme.create", pgettext_lazy("audit log", "Scheme added")),
            ("scheme.update", pgettext_lazy("audit log", "Scheme changed")),
            ("scheme.delete", pgettext_lazy("audit log", "Scheme removed")),
            ("population_assumptions.create", pgettext_lazy("audit log", "Population assumptions set")),
            ("population_assumptions.update", pgettext_lazy("audit log", "Population assumptions changed")),
            ("recipients.import", pgettext_lazy("audit log", "Numbers of recipients imported")),
        ),
    ),
    (
        pgettext_lazy("audit log", "Quality compass"),
        (
            ("compass.create", pgettext_lazy("audit log", "Compass made")),
            ("compass.update", pgettext_lazy("audit log", "Compass changed")),
            ("compass_result.create", pgettext_lazy("audit log", "Societal result added")),
            ("compass_result.update", pgettext_lazy("audit log", "Societal result changed")),
            ("result_indicator.create", pgettext_lazy("audit log", "Indicator of a result added")),
            ("result_indicator.update", pgettext_lazy("audit log", "Indicator of a result changed")),
            ("compass_activity.create", pgettext_lazy("audit log", "Activity added")),
            ("compass_activity.update", pgettext_lazy("audit log", "Activity changed")),
            ("performance_measure.create", pgettext_lazy("audit log", "Performance measure added")),
            ("performance_measure.update", pgettext_lazy("audit log", "Performance measure changed")),
            ("reporting_period.open", pgettext_lazy("audit log", "Reporting period opened")),
            ("reporting_period.close", pgettext_lazy("audit log", "Reporting period closed")),
            ("reporting_period.reopen", pgettext_lazy("audit log", "Reporting period opened again")),
            ("measurement.enter", pgettext_lazy("audit log", "Measurement entered")),
            ("measurement.submit", pgettext_lazy("audit log", "Measurement submitted")),
            ("measurement.approve", pgettext_lazy("audit log", "Measurement approved")),
            ("measurement.return", pgettext_lazy("audit log", "Measurement sent back")),
            ("story.add", pgettext_lazy("audit log", "Story added")),
            ("reflection.create", pgettext_lazy("audit log", "Reflection session added")),
            ("reflection.update", pgettext_lazy("audit log", "Reflection session changed")),
            ("follow_up.create", pgettext_lazy("audit log", "Follow-up action added")),
            ("follow_up.done", pgettext_lazy("audit log", "Follow-up action done")),
            ("turn_the_curve.create", pgettext_lazy("audit log", "Turn-the-curve sheet added")),
            ("turn_the_curve.update", pgettext_lazy("audit log", "Turn-the-curve sheet changed")),
            ("compass.indicator_define", pgettext_lazy("audit log", "Own indicator defined")),
            ("compass.figures_import", pgettext_lazy("audit log", "Own figures imported")),
            ("compass.import_cbs_kwb", pgettext_lazy("audit log", "CBS figures imported")),
            ("board_session.open", pgettext_lazy("audit log", "Co-creation session opened")),
            ("board_session.close", pgettext_lazy("audit log", "Co-creation session closed")),
            ("board_theme.create", pgettext_lazy("audit log", "Theme made on the board")),
            ("board_note.move", pgettext_lazy("audit log", "Notes moved on the board")),
            ("board_note.remove", pgettext_lazy("audit log", "Note taken off the board")),
            ("board_theme.to_result", pgettext_lazy("audit log", "Theme made into a societal result")),
            ("board_theme.to_activity", pgettext_lazy("audit log", "Theme made into an activity")),
        ),
    ),
    (
        pgettext_lazy("audit log", "Organisations, roles and areas"),
        (
            ("municipality.create", pgettext_lazy("audit log", "Municipality added")),
            ("organisation.create", pgettext_lazy("audit log", "Organisation added")),
            ("organisation.join_municipality", pgettext_lazy("audit log", "Organisation joined the municipality")),
            ("membership.grant", pgettext_lazy("audit log", "Role given")),
            ("membership.revoke", pgettext_lazy("audit log", "Role taken away")),
            ("user.create", pgettext_lazy("audit log", "User account made")),
            ("second_factor.set", pgettext_lazy("audit log", "Second login step set")),
            ("area.rename", pgettext_lazy("audit log", "District named")),
            ("areas.import_cbs", pgettext_lazy("audit log", "CBS areas imported")),
            ("areas.import_postcodes", pgettext_lazy("audit log", "Postcodes imported")),
            ("ledger.accept", pgettext_lazy("audit log", "Acceptance recorded in the shared log")),
            (EXPORT_ACTION, pgettext_lazy("audit log", "Audit log exported")),
        ),
    ),
)

# Logins are recorded for the person, not for a municipality: they never show among a
# municipality's records, so they are worded but not offered as a choice.
LOGIN_ACTIONS: tuple[tuple[str, Promise], ...] = (
    ("login", pgettext_lazy("audit log", "Logged in")),
    ("login.oidc", pgettext_lazy("audit log", "Logged in with the organisation's login")),
    ("login.demo_persona", pgettext_lazy("audit log", "Logged in as a demo persona")),
    ("login.password_failed", pgettext_lazy("audit log", "Wrong password")),
    ("login.code_failed", pgettext_lazy("audit log", "Wrong code of the second login step")),
    ("login.locked_out", pgettext_lazy("audit log", "Locked out after too many attempts")),
    ("second_factor.enrolled", pgettext_lazy("audit log", "Authenticator app connected")),
    ("logout", pgettext_lazy("audit log", "Logged out")),
)

ACTIONS: dict[str, Promise] = {code: label for _group, actions in ACTION_GROUPS for code, label in actions} | dict(
    LOGIN_ACTIONS
)

# The purposes of reads and the reasons of changes that modules write as fixed text. A reason a
# person typed (a returned measurement says why) has no words here and is shown as typed.
REASONS: dict[str, Promise] = {
    CASE_PURPOSE: pgettext_lazy("audit log", "Early signalling: offer help"),
    OFFER_LETTER_PURPOSE: pgettext_lazy("audit log", "Early signalling: make the offer letter"),
    FEEDBACK_PURPOSE: pgettext_lazy(
        "audit log", "Feedback to the creditor that gave the signal (Wgs): did the household take up help"
    ),
    RETENTION_REASONS[WITHOUT_HELP]: pgettext_lazy("audit log", "The retention term has passed"),
    RETENTION_REASONS[AFTER_HELP]: pgettext_lazy("audit log", "The retention term after help has passed"),
    RETENTION_REASONS[SENT_IN_ERROR]: pgettext_lazy("audit log", "The creditor withdrew a signal as sent in error"),
}

SYSTEM, CREDITOR = "system", "creditor"
# What an auditor may type for the platform itself and for creditors' systems, in either language.
ACTOR_WORDS = {"systeem": SYSTEM, "meedoen": SYSTEM, "schuldeiser": CREDITOR, "schuldeisers": CREDITOR}


def action_shown(code: str) -> str:
    return str(ACTIONS.get(code, code))


def reason_shown(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def action_choices() -> list[tuple[str | Promise, object]]:
    """The actions an auditor can narrow the log to, in option groups, after "every action"."""
    choices: list[tuple[str | Promise, object]] = [("", pgettext_lazy("audit log", "Every action"))]
    choices += [(label, list(group)) for label, group in ACTION_GROUPS]
    return choices


def actor_shown(label: str) -> str:
    """Who acted, in words: a login name as it is; the platform and a creditor's system said so."""
    if not label:
        return pgettext("audit log", "Unknown")
    kind, _colon, rest = label.partition(":")
    if kind == SYSTEM and rest:
        return pgettext("audit log", "Meedoen itself (%(task)s)") % {"task": rest}
    if kind == CREDITOR and rest:
        creditor, _colon, key = rest.partition(":")
        if key:
            return pgettext("audit log", "System of creditor %(creditor)s (key %(key)s)") % {
                "creditor": creditor,
                "key": key,
            }
        return pgettext("audit log", "System of creditor %(creditor)s") % {"creditor": creditor}
    return label
