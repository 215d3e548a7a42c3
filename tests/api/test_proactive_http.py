"""Proactive disclosure through the HTTP API on the dev server (GIDR Arts. 17, 26): a
publication dated before its own sign-off is refused (422) and changes nothing; published after
its 20 working days, the item, the catalogue and the annual report say it was late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rules.calendar import SHANGHAI
from store.models import CatalogueEntry
from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status


async def test_art17_art26_publication_date_and_lateness_through_the_api(portal: Portal) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    formed = today - timedelta(days=60)  # its 20 working days are over
    async with (
        portal.staff() as officer,
        portal.staff("supervisor") as chief,
        portal.staff("head") as head,
    ):
        res = await officer.post(
            "/v1/proactive-items",
            json={
                "agency": "SZ-GT",
                "title": "关于规范停车收费的通知",
                "category": "rules",
                "doc_kind": "normative",
                "formed_on": formed.isoformat(),
            },
        )
        assert res.status_code == 201, res.text
        item = res.json()["case_no"]
        await until_status(portal, item, "recorded")
        path = f"/v1/proactive-items/{item}/actions"
        assert (await officer.post(f"{path}/submit-item", json={})).status_code == 200
        res = await chief.post(
            f"{path}/review-item", json={"approve": True, "confidentiality_reviewed": True}
        )
        assert res.status_code == 200, res.text
        assert (await head.post(f"{path}/sign-off-item", json={"approve": True})).status_code == 200
        before = (await officer.get(f"/v1/cases/{item}")).json()["events"]
        backdated = (datetime.now(UTC) - timedelta(days=3)).isoformat()
        res = await officer.post(
            f"{path}/publish-item", json={"channels": ["政府网站"], "occurred_at": backdated}
        )
        assert res.status_code == 422 and "早于本版的签发" in res.json()["detail"]
        assert (await officer.get(f"/v1/cases/{item}")).json()["events"] == before
        res = await officer.post(f"{path}/publish-item", json={"channels": ["政府网站"]})
        assert res.status_code == 200, res.text
        view = (await officer.get(f"/v1/cases/{item}")).json()
    assert view["publications"][0]["late"] is True and "逾期公开" in view["events"][-1]["summary"]
    from sqlmodel import Session, select

    with Session(portal.engine) as db:
        entry = db.exec(select(CatalogueEntry).where(CatalogueEntry.case_no == item)).one()
    assert entry.late and entry.formed_on == formed
