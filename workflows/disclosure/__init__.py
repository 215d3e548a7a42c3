"""On-request disclosure (依申请公开): one durable workflow per application, in one module per
statutory stage (registration, handling, extension, reply) over a shared base."""

from workflows.casework import IllegalAction as IllegalAction
from workflows.casework import IncompleteAction as IncompleteAction
from workflows.disclosure.base import CLOSING_NOTICE as CLOSING_NOTICE
from workflows.disclosure.base import SUBMISSION_ALERT as SUBMISSION_ALERT
from workflows.disclosure.base import SUBMISSION_PATCH as SUBMISSION_PATCH
from workflows.disclosure.workflow import DisclosureRequestWorkflow as DisclosureRequestWorkflow

__all__ = [
    "CLOSING_NOTICE",
    "SUBMISSION_ALERT",
    "SUBMISSION_PATCH",
    "DisclosureRequestWorkflow",
    "IllegalAction",
    "IncompleteAction",
]
