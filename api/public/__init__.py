"""The public portal (/public): applicants apply for government information online, follow their
case with its 查询号 and 查询码, answer the agency (a correction, an explanation, a withdrawal),
download what the agency issued to them and rate the reply; anyone leaves a message (网络问政),
reads the answered ones, comments on draft decisions and reads emergency releases.

Rules of a public surface, each tested (tests/portal/): no personal data on any page beyond a
masked name (张*); a 查询码 compared in constant time, five wrong codes lock its number for 15
minutes, and an unknown number is answered exactly as a wrong code; every POST is rate-limited
per address, carries a CSRF token and a honeypot field; attachments are checked by content and
size and stored encrypted; bad input gets a Chinese message and changes nothing. Pages are
server-rendered without script (the site's CSP allows none inline) and made for a phone first.

One resource a room: ``pages`` (the plumbing every room shares), ``apply``, ``track`` (the case
page, its letters and files), ``steps`` (the applicant's steps, generated from the registry),
``told`` (what a case's public face says), ``codes`` (the 查询码 sent), ``messages``,
``consultations`` (and releases, and published letters), ``catalogue`` (the front page, the
catalogue, the guide, the reports). What the portal shows of each kind is the kind's public face
in the registry (schemas/public.py).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.public import apply, catalogue, consultations, messages, steps, track
from api.public.pages import PortalGuard

router = APIRouter()
for room in (catalogue, apply, track, steps, messages, consultations):
    router.include_router(room.router)

__all__ = ["PortalGuard", "router"]
