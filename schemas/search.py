"""Custom search attributes (DESIGN.md §5). Never personal data: they are not encrypted."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

GK_KIND = SearchAttributeKey.for_keyword("GkKind")
GK_AGENCY = SearchAttributeKey.for_keyword("GkAgency")
GK_STATUS = SearchAttributeKey.for_keyword("GkStatus")
GK_LIGHT = SearchAttributeKey.for_keyword("GkLight")
GK_DUE_AT = SearchAttributeKey.for_datetime("GkDueAt")
GK_OFFICER = SearchAttributeKey.for_keyword("GkOfficer")
# The latest statutory instant a case is still waiting for (due dates, rungs, lapses, the
# inactivity reminder): a calendar change to year Y concerns only cases with a horizon in or
# after Y (workflows.broadcast.open_cases_query).
GK_HORIZON = SearchAttributeKey.for_datetime("GkHorizon")

ALL = (GK_KIND, GK_AGENCY, GK_STATUS, GK_LIGHT, GK_DUE_AT, GK_OFFICER, GK_HORIZON)
