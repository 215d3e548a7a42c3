"""What every case kind's statuses mean, in one place: which are closed (the case no longer
waits for the agency) and their Chinese names. The board, the metrics, the reconciliation and
the report read it here."""

from __future__ import annotations

from enum import StrEnum

from schemas.consultation import Stage
from schemas.disclosure import STATUS_ZH, Status
from schemas.emergency import EmergencyStatus, PressPlanStatus
from schemas.inquiry import InquiryStatus

STATUS_ENUMS: tuple[type[StrEnum], ...] = (
    Status,
    InquiryStatus,
    EmergencyStatus,
    PressPlanStatus,
    Stage,
)

# A read-model row whose workflow was terminated, failed or deleted outside Gongkai (Temporal UI
# or CLI): flagged by the reconciliation (store/reconcile.py), shown red until someone looks.
LOST = "lost"
LOST_ZH = "工作流已中止（需核查）"

# Statuses in which a case no longer waits for the agency, for every kind.
CLOSED: frozenset[str] = frozenset(
    {
        Status.REPLIED,
        Status.REMEDY_WINDOW,
        Status.ARCHIVED,
        Status.WITHDRAWN,
        Status.DEEMED_ABANDONED,
        Status.PROCESSING_STOPPED,
        InquiryStatus.ANSWERED,
        InquiryStatus.CONVERTED,
        InquiryStatus.CLOSED,
        EmergencyStatus.CLOSED,
        PressPlanStatus.COMPLETED,
        Stage.PUBLISHED,
        Stage.ARCHIVED,
    }
)

STATUS_NAMES: dict[str, str] = {
    **{st.value: st.zh for kind in STATUS_ENUMS for st in kind},  # type: ignore[attr-defined]
    **{st.value: zh for st, zh in STATUS_ZH.items()},
    LOST: LOST_ZH,
}
