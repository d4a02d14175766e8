"""The exception family: every bad input is a ``ValueError`` that says where it is.

A message names the file, the endpoint and the field when they are known, the value
received and what is allowed, so that a statistician can fix a spec from one line.
"""

from __future__ import annotations


class BayesTrialsError(ValueError):
    """Base of the family. ``location`` is the file / endpoint / field it concerns."""

    def __init__(self, message: str, *, file=None, endpoint=None, field=None):
        self.file = None if file is None else str(file)
        self.endpoint = endpoint
        self.field = field
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.endpoint:
            where.append(f"endpoint {self.endpoint!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{': '.join(where)}: {self.reason}" if where else self.reason

    def located(self, *, file=None, endpoint=None, field=None) -> BayesTrialsError:
        """The same error with the missing parts of its location filled in."""
        return type(self)(
            self.reason,
            file=self.file or file,
            endpoint=self.endpoint or endpoint,
            field=self.field or field,
        )


class SpecError(BayesTrialsError):
    """A re-analysis spec (TOML) is malformed or incomplete."""


class SpecErrors(SpecError):
    """Several spec errors found together (``errors``: each a located :class:`SpecError`).

    The message has one line per error, at most ``limit`` of them and a last line saying
    how many more there were; ``file``, ``endpoint`` and ``field`` are the first error's.
    """

    limit = 20

    def __init__(self, errors, *, file=None, endpoint=None, field=None):
        self.errors = list(errors)
        first = self.errors[0]
        lines = [str(e) for e in self.errors[: self.limit]]
        if len(self.errors) > self.limit:
            more = len(self.errors) - self.limit
            lines.append(
                f"{first.file + ': ' if first.file else ''}{more} more error{'s' if more > 1 else ''} "
                f"not shown"
            )
        BayesTrialsError.__init__(self, "\n".join(lines))
        self.file, self.endpoint, self.field = first.file, first.endpoint, first.field

    def _format(self) -> str:
        return self.reason

    def located(self, *, file=None, endpoint=None, field=None) -> SpecErrors:
        return SpecErrors(
            [e.located(file=file, endpoint=endpoint, field=field) for e in self.errors]
        )


class DataError(BayesTrialsError):
    """Trial data are impossible (events > n, negative counts, NaN, ...)."""


class PriorError(BayesTrialsError):
    """A prior has non-positive or out-of-support parameters."""


class OutputError(BayesTrialsError):
    """An output folder cannot be written safely (a user's file, a non-empty folder, no access)."""


class StatisticalWarning(UserWarning):
    """A result is computed but should be read with care (poor diagnostics, conflict)."""
