"""The endpoints of wire protocol v1."""

from __future__ import annotations

VERSION = 1
API = "/api/v1"
SUBMISSIONS = f"{API}/submissions"
SUBMISSION_BATCHES = f"{API}/submissions/batch"
ENROLLMENTS = f"{API}/enrollments"
LIMITS = f"{API}/limits"
CASE_QUERIES = f"{API}/case-queries"  # a citizen's read: query code and second factor
CARRY_FILES = f"{API}/carry-files"  # another station's carry file, relayed (wire/carry.py)
FOLLOWUPS = f"{API}/followups"  # after the receipt: a rating (material, a withdrawal next)
AGENT_BINDINGS = f"{API}/agent-bindings"  # a proxy station's agent redeems their code


def attachment_path(sealed_digest: str) -> str:
    return f"{API}/attachments/{sealed_digest}"


def case_path(query_code: str) -> str:
    return f"{API}/cases/{query_code}"


def heartbeat_path(terminal_id: str) -> str:
    return f"{API}/terminals/{terminal_id}/heartbeat"


def content_path(terminal_id: str) -> str:
    return f"{API}/terminals/{terminal_id}/content"
