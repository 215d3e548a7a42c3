"""The workbench in process: the portal's app on the session's dev server, with its staff."""

from tests.portal.conftest import portal  # noqa: F401  (the fixture)
