"""A kind's public face: what the public portal (api/public/) shows of a case of it, in the
applicant's words (the workbench's words are the office's), which of its letters the applicant
receives or the public reads, and how the applicant's own steps are offered. Each kind's face is
written in the registry (schemas/registry.py, ``KindSpec.public``); a kind without one has an
empty face: its statuses in the registry's words, no letters, its applicant steps (if any) by
the defaults below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Where the case page shows a step's form: at the top (the agency waits for it: a correction,
# an explanation), after the agency's documents (what is done once they are read: the rating),
# or at the bottom, after the timeline (leaving the case: the withdrawal).
Place = Literal["top", "after_documents", "bottom"]


@dataclass(frozen=True)
class ApplicantStep:
    """How the portal offers one of the applicant's own steps (an action whose roles include the
    applicant's): the address its form posts to, the fields it carries, the files it may bring,
    where the case page shows it and what the applicant reads once it is sent."""

    path: str = ""  # POST /public/case/<path>; default: the action's name
    fields: tuple[str, ...] | None = None  # default: the body's own fields
    files: str = ""  # the purpose its attachments are stored under; "": it carries none
    done_zh: str = "已提交。"
    place: Place = "top"
    once: str = ""  # an event after which it is no longer offered (a reply is rated once)
    form: str = ""  # its form under api/templates/portal/steps/; default: one from its body


@dataclass(frozen=True)
class PublicFace:
    """What the portal shows of a case of one kind."""

    # A status as the applicant reads it; a status not here reads as the registry names it.
    status_zh: Mapping[str, str] = field(default_factory=dict)
    # What the applicant is told of each event (never an officer's note or a third party's
    # name); ``{t0}`` is the date the case was received. Events not here are not shown.
    told: Mapping[str, str] = field(default_factory=dict)
    # Letters issued to the applicant (not letters to third parties, not internal notices).
    to_applicant: frozenset[str] = frozenset()
    # The letter that answers the applicant: shown with the outcome, and before
    # ``reply_issued`` not at all (until it is signed it is a draft).
    reply_document: str = ""
    reply_issued: frozenset[str] = frozenset()  # statuses in which the reply is out
    # The outcome as told in these statuses (a kind whose answer records no ``Outcome``).
    outcome_zh: Mapping[str, str] = field(default_factory=dict)
    answer_event: str = ""  # an event whose ``text`` is the answer, shown on the case page
    opened_zh: str = ""  # the case's first date (T0) as the applicant reads it; default: the kind's
    outcome_title: str = "答复结果"
    steps: Mapping[str, ApplicantStep] = field(default_factory=dict)  # by action name
    # Letters the agency publishes to everyone, and the statuses in which they are public.
    documents: frozenset[str] = frozenset()
    published_in: frozenset[str] = frozenset()

    def step(self, action: str) -> ApplicantStep:
        return self.steps.get(action, DEFAULT_STEP)


DEFAULT_STEP = ApplicantStep()
