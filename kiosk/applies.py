"""What applies to which answers: one predicate per "applies when".

Every part of the kiosk that depends on the answers given so far asks here: the
guided flow (which steps a citizen walks, kiosk/flow.py), validation (what is
required, what is refused as not applicable, kiosk/petition.py), the visit model
(what is left out of the document while kept in memory, kiosk/visit.py) and,
through the view-model, the screens (which fields show). Nothing else decides it.

`a` is a petition document (docs/petition-format.md), possibly incomplete or
malformed: every predicate answers False rather than raising for what it cannot
read. Plain data in, a bool out; no Qt, no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Answers = dict[str, Any]

# Which common-matter tile the citizen tapped (kiosk/choices.py): kept with the answers so
# the tile stays marked, never part of the document.
COMMON_MATTER = "common_matter"

# 信访工作条例 Art. 20; 复查复核规程 Art. 6: more than 5 applicants elect at most 5.
MAX_REPRESENTATIVES = 5


def review(a: Answers) -> bool:
    """A review or re-review application (复查 / 复核): the earlier reply, the
    applicant's sex and birth date, the body that replied and proof of identity apply."""
    return a.get("kind") in ("review", "re_review")


def review_to_choose(a: Answers) -> bool:
    """Not a new petition: 申请复查、复核 asks which document the citizen holds (复查 or
    复核); 我要信访 has already said what the citizen wants, so it is never asked again."""
    return a.get("kind") != "petition"


def re_review(a: Answers) -> bool:
    """A re-review (复核): the review application and review opinion are part of it."""
    return a.get("kind") == "re_review"


def purpose(a: Answers) -> bool:
    """A new petition (信访事项): its purpose and the place of the problem apply."""
    return a.get("kind") == "petition"


def place(a: Answers) -> bool:
    """Where the problem happened: asked unless it is a review (the reply names it)."""
    return not review(a)


def one_applicant(a: Answers) -> bool:
    """本人申请 or 替他人申请: exactly one applicant, on the applicant screen."""
    return a.get("applying_as") in ("self", "for_other")


def group(a: Answers) -> bool:
    """多人共同申请: two or more applicants, added one by one."""
    return a.get("applying_as") == "group"


def representatives(a: Answers) -> bool:
    """A group of more than MAX_REPRESENTATIVES elects representatives, and only they
    must give phone and address."""
    applicants = a.get("applicants")
    return group(a) and isinstance(applicants, list) and len(applicants) > MAX_REPRESENTATIVES


def contact_from_everyone(a: Answers) -> bool:
    """Every applicant gives phone and address (not so in a group with representatives)."""
    return not representatives(a)


def agent(a: Answers) -> bool:
    """替他人申请: the agent's identity, the authorisation and its material apply."""
    return a.get("applying_as") == "for_other"


def paper_reply(a: Answers) -> bool:
    """The earlier reply came on paper, so a copy of it is part of a review; an online
    reply is identified by its number (复查复核规程 Art. 11)."""
    reply = _earlier_reply(a)
    return review(a) and not reply.get("online")


def known_on(a: Answers) -> bool:
    """The reply did not say the time limit and channel: the limit runs from the day the
    citizen knew them (Art. 12), so that day is asked."""
    return _earlier_reply(a).get("informed_of_limit") is False


def _earlier_reply(a: Answers) -> dict:
    matter = a.get("matter")
    reply = matter.get("earlier_reply") if isinstance(matter, dict) else None
    return reply if isinstance(reply, dict) else {}


def proxy(a: Answers) -> bool:
    """An agent session of a proxy station (代办员): the villager's authorisation applies.
    Its `proxy` part is put there by the session (`Visit.start`), never by a tap."""
    return isinstance(a.get("proxy"), dict)


# What the screens ask by name (the view-model passes this map to QML as it is).
FOR_SCREENS: dict[str, Callable[[Answers], bool]] = {
    "review": review,
    "purpose": purpose,
    "place": place,
    "known_on": known_on,
    "contact_from_everyone": contact_from_everyone,
}


def for_screens(a: Answers) -> dict[str, bool]:
    return {name: test(a) for name, test in FOR_SCREENS.items()}


def effective(answers: Answers) -> Answers:
    """The answers with the parts that no longer apply left out. `answers` itself is not
    changed, so switching back (本人申请 → 替他人申请 → 本人申请 …) loses nothing typed."""
    doc = copy.deepcopy(answers)
    doc.pop(COMMON_MATTER, None)  # the tile tapped, not part of the document
    matter = doc.get("matter")
    if not purpose(doc):
        doc.pop("purpose", None)
    if not review(doc) and isinstance(matter, dict):
        matter.pop("earlier_reply", None)
    if not agent(doc):
        doc.pop("agent", None)
    if not group(doc) and isinstance(doc.get("applicants"), list):
        doc["applicants"] = doc["applicants"][:1]
    if not representatives(doc):
        doc.pop("representatives", None)
    return doc
