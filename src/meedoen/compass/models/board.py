"""The co-creation board: the paper post-its of a compass session, on phones and a screen.

A facilitator of the municipality opens a session for one step of the compass; participants join
with a short code, without an account, and add short notes; the facilitator clusters the notes into
themes and turns a theme into a societal result or an activity. A participant's name is optional;
who wrote a note is otherwise known only as a pseudonym that is different in every session.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.compass.models.cycle import Activity, Compass, SocietalResult

# Easy to read aloud and to type on a phone: no 0/O, 1/I/L look-alikes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NOTE_MAX_LENGTH = 280
NAME_MAX_LENGTH = 60


class BoardStep(models.TextChoices):
    """The step of the compass a session works on."""

    PICTURE = "beeld", _("monitoring and ambitions")
    RESULTS = "resultaten", _("societal results")
    ACTIVITIES = "activiteiten", _("activities")
    INPUT = "input", _("input quality")
    OUTCOME = "uitkomst", _("outcome")
    IMPROVEMENT = "verbeteren", _("improvement cycle")


class ParticipantKind(models.TextChoices):
    RESIDENT = "inwoner", _("resident")
    PROFESSIONAL = "professional", _("professional")
    YOUNG_PERSON = "jongere", _("young person")
    VOLUNTEER = "vrijwilliger", _("volunteer")
    OTHER = "anders", _("something else")


class BoardSession(models.Model):
    """One session of the board: the question asked, its join code and how long it stays open."""

    compass = models.ForeignKey(
        Compass, verbose_name=_("compass"), on_delete=models.CASCADE, related_name="board_sessions"
    )
    step = models.CharField(_("step of the compass"), max_length=20, choices=BoardStep.choices)
    question = models.CharField(_("question to the participants"), max_length=300)
    code = models.CharField(_("join code"), max_length=CODE_LENGTH, unique=True)
    opened_at = models.DateTimeField(_("opened at"))
    expires_at = models.DateTimeField(_("open until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Raised whenever notes change place or disappear, so open boards redraw instead of only
    # adding the newest notes.
    layout_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("co-creation session")
        verbose_name_plural = _("co-creation sessions")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("opened_at")), name="board_session_expires_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def is_open(self, now: datetime.datetime) -> bool:
        return self.closed_at is None and now < self.expires_at

    @property
    def spoken_code(self) -> str:
        """The code in two halves, as it is shown and read aloud: ``ABC DEF``."""
        half = CODE_LENGTH // 2
        return f"{self.code[:half]} {self.code[half:]}"


class BoardTheme(models.Model):
    """A cluster of notes, on its way to becoming a result or an activity of the compass."""

    session = models.ForeignKey(
        BoardSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what the theme says"), max_length=1000, blank=True)
    result = models.ForeignKey(
        SocietalResult,
        verbose_name=_("became the result"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_themes",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("became the activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_themes",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class BoardNote(models.Model):
    """A short note of a participant. ``participant_ref`` tells a participant's own notes apart;
    it is derived from a random token in their browser session and the session id."""

    session = models.ForeignKey(BoardSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="notes")
    theme = models.ForeignKey(
        BoardTheme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    text = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH)
    author_name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True)
    participant_kind = models.CharField(_("taking part as"), max_length=20, choices=ParticipantKind.choices, blank=True)
    participant_ref = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["pk"]
        indexes = [
            # The board asks every second for the notes after the last one it shows.
            models.Index(fields=["session", "id"], name="board_note_session_id"),
            # The rate limit counts a participant's notes of the last minute.
            models.Index(fields=["session", "participant_ref", "created_at"], name="board_note_participant"),
        ]

    def __str__(self) -> str:
        return self.text
