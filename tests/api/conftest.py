"""API tests that need the whole app on the dev server use the portal's fixture."""

from tests.portal.conftest import portal  # noqa: F401  (the fixture)
