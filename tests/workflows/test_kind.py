"""Every kind opens its case through workflows/kind.py: its first status and the moment that
opened it are read from the registry's create body (``INITIAL_STATUS``, ``OPENED_FIELD``), so
the kind's input must carry that moment under the same name and its status enum that value."""

from __future__ import annotations

from typing import get_type_hints

import pytest

from schemas.case import CreateBase
from schemas.registry import KINDS, KindSpec
from workflows.kind import KindWorkflow

SPECS = list(KINDS.values())


@pytest.mark.parametrize("kind", SPECS, ids=[k.kind for k in SPECS])
def test_every_kind_opens_from_its_create_bodys_status_and_moment(kind: KindSpec) -> None:
    cls = kind.workflow_class
    assert issubclass(cls, KindWorkflow)
    inp = get_type_hints(cls.run)["inp"]  # type: ignore[attr-defined]
    create = kind.create
    assert issubclass(create, CreateBase)
    assert create.OPENED_FIELD in inp.model_fields, (kind.kind, create.OPENED_FIELD)
    assert kind.status(create.INITIAL_STATUS)
