"""An activity error that will fail every time is final.

Temporal retries a failed activity until it succeeds: right for a mail server that is down, wrong
for an input that can never be computed (a date past year 9999, a string PostgreSQL refuses, a
template that cannot render it). Those raise ``ApplicationError(non_retryable=True)`` of type
``BadInput`` with a short message — never a retry every five minutes for ever that freezes the
case. Failures of the world (network, database down, SMTP) stay retryable.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import jinja2
import pydantic
import sqlalchemy.exc
from temporalio.exceptions import ApplicationError

F = TypeVar("F", bound=Callable[..., Any])

# Errors that come from the input, not from the world: the same input fails the same way.
DETERMINISTIC: tuple[type[BaseException], ...] = (
    ValueError,  # includes pydantic's ValidationError, UnicodeError, the clock's ClockError
    TypeError,
    LookupError,
    ArithmeticError,  # OverflowError: a date beyond what datetime can hold
    jinja2.TemplateError,
    pydantic.ValidationError,
    sqlalchemy.exc.DataError,  # e.g. PostgreSQL: value too long, NUL byte
)


def _final(exc: BaseException) -> ApplicationError:
    message = f"{type(exc).__name__}: {exc}"
    return ApplicationError(message[:500], type="BadInput", non_retryable=True)


def final_on_bad_input(fn: F) -> F:
    """Make deterministic failures of an activity non-retryable (sync or async)."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except ApplicationError:
                raise
            except DETERMINISTIC as exc:
                raise _final(exc) from None

        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApplicationError:
            raise
        except DETERMINISTIC as exc:
            raise _final(exc) from None

    return run  # type: ignore[return-value]
