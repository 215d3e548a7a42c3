"""A portal form that opens a case (an application, a message): shown with its choices, shown
again with what is wrong in the form's own words and what the person typed, the checks every
anonymous form that opens a case passes (its token and origin, the per-address limit), and the
case opened as the applicant (api/routes/casework.py ``open_case``, as the JSON route does)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import deps
from api.public.pages import EXPIRED, UNAVAILABLE, Pages
from api.routes.casework import open_case
from schemas.case import CreateBase, applicant_actor
from schemas.registry import KindSpec


@dataclass
class CaseForm:
    page: Pages
    template: str
    choices: dict[str, Any]  # what the form offers (agencies, categories…)
    fields: dict[str, str] = field(default_factory=dict)  # as the person filled it in

    def show(self, said: list[str] | None = None, status: int = 200) -> Response:
        context = {**self.choices, "problems": said or [], "f": self.fields}
        return self.page(self.template, context, status)

    def again(self, said: list[str], status: int = 422) -> Response:
        return self.show(said, status)

    def refused(self, form_token: str, website: str, what: str) -> Response | None:
        """The answer to a form not sent from our page, or one too many from its address."""
        if not self.page.form_ok(form_token, website):
            return self.again([EXPIRED], 403)
        return self.page.limited(self.page.guard.new_cases, what)

    async def open(
        self,
        engine: Engine,
        client: Client | None,
        kind: KindSpec,
        body: CreateBase,
        prepare: Callable[[str, Any], Any] | None = None,
    ) -> str | Response:
        """The case opened as the applicant, by its number; or the form again, saying why not."""
        if client is None:
            return self.again([UNAVAILABLE], 503)
        actor = applicant_actor(body.agency)
        opening = deps.Opening(actor, engine, client, self.page.settings, None)
        try:
            created = await open_case(opening, kind, body, prepare)
        except HTTPException as exc:
            return self.again([str(exc.detail)], exc.status_code)
        return created.case_no
