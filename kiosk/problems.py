"""A problem found in what a citizen or technician gave us.

Every rule in the core reports problems the same way, so the touch UI can show
`message` next to the field named by `path`, and the CLI can print both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    path: str  # field path, e.g. "applicants[0].id_number"; "" for the whole document
    message: str  # short plain Chinese, shown to the citizen as it is
    code: str  # stable machine-readable code, e.g. "id.check_digit"
    severity: Severity = "error"

    def under(self, prefix: str) -> Problem:
        """The same problem, with its path placed under `prefix`."""
        if not prefix:
            return self
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else (
            prefix + self.path
        )
        return Problem(path, self.message, self.code, self.severity)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
