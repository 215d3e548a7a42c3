"""What anyone reads on the portal without a case: the front page, the catalogue of information
published proactively and each item's versions, each agency's guide (GIDR Art. 12), and the
annual reports as signed (GIDR Art. 49)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.public.pages import NOTHING_PUBLIC, Page
from schemas.proactive import CATEGORY_ZH
from store import annual, catalogue
from store.agencies import agency_names, office_name, public_agencies

router = APIRouter(prefix="/public", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(page: Page) -> Response:
    return page("home.html", {})


# -- the catalogue and the guide (GIDR Art. 12) --------------------------------------------


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(
    page: Page,
    engine: Engine = Depends(deps.engine),
    agency: Annotated[str, Query(max_length=32)] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """政府信息公开目录: every item published proactively and in force, by category, searchable."""
    listing = catalogue.current(engine, agency or None, category or None, q)
    return page(
        "catalogue.html",
        {
            "items": listing.items,
            "counts": listing.counts,
            "categories": CATEGORY_ZH,
            "agencies": {a.code: a.name for a in public_agencies(engine)},
            "f": {"agency": agency, "category": category, "q": q},
        },
    )


@router.get("/catalogue/{case_no}", response_class=HTMLResponse)
def catalogue_item(page: Page, case_no: str, engine: Engine = Depends(deps.engine)) -> Response:
    versions = catalogue.history(engine, case_no.strip().upper()[:64])
    if not versions:
        return page.message("没有找到", NOTHING_PUBLIC, 404)
    agencies = agency_names(engine)
    return page(
        "catalogue_item.html",
        {
            "item": versions[0],
            "versions": versions,
            "agency": agencies.get(versions[0].agency, versions[0].agency),
            "categories": CATEGORY_ZH,
            "channels": json.loads(versions[0].channels),
        },
    )


@router.get("/guide/{agency}", response_class=HTMLResponse)
def guide(page: Page, agency: str, engine: Engine = Depends(deps.engine)) -> Response:
    """政府信息公开指南 (GIDR Art. 12): the categories and their arrangement, how to obtain the
    information, and the GI office's name, address and contacts."""
    found = next((a for a in public_agencies(engine) if a.code == agency[:32]), None)
    if found is None:
        return page.message("没有找到", "没有这个机关。", 404)
    listing = catalogue.current(engine, found.code, limit=1)
    return page(
        "guide.html",
        {
            "agency": found,
            "office": office_name(found),
            "counts": listing.counts,
            "categories": CATEGORY_ZH,
        },
    )


# -- annual reports, as signed (GIDR Art. 49) ---------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
def reports_page(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    agencies = agency_names(engine)
    return page("reports.html", {"reports": annual.published(engine), "agencies": agencies})


@router.get("/reports/{agency}/{year}", response_class=HTMLResponse)
def report_page(
    page: Page, agency: str, year: int, engine: Engine = Depends(deps.engine)
) -> Response:
    """The report exactly as signed and published."""
    found = next((r for r in annual.published(engine, agency[:32]) if r.year == year), None)
    if found is None:
        return page.message("没有找到", "该机关该年度的年度报告尚未公布。", 404)
    return HTMLResponse(found.published_html)
