"""How the platform takes a request apart for its signature, without a server: real
Starlette requests made from ASGI scopes as uvicorn makes them."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from receiver.api.common import escaped, idempotency_key, loggable, received_request
from receiver.errors import ApiError
from wire import errors, signing


def _request(raw_path: bytes, path: str, query: bytes = b"",
             headers: list[tuple[bytes, bytes]] | None = None, **scope) -> Request:
    return Request({"type": "http", "method": "GET", "raw_path": raw_path, "path": path,
                    "query_string": query, "headers": headers or [], "root_path": "",
                    **scope})


def test_path_and_query_are_the_raw_target():
    got = received_request(_request(b"/api/v1/%6cimits", "/api/v1/limits", b"a=%20b",
                                    [(b"host", b"x/api/v1/cases/X?#")]))
    assert (got.method, got.path, got.query) == ("GET", "/api/v1/%6cimits", "a=%20b")


@pytest.mark.parametrize("raw_path, path, scope", [
    (b"/api/v1/limits", "/api/v1/cases/X", {}),       # served elsewhere than sent
    (b"/api/v1/%6cimits", "/api/v1/%6cimits", {}),    # not the decoded path
    (b"", "/api/v1/limits", {}),                      # no raw target at all
    (b"/api/v1/limits", "/api/v1/limits", {"root_path": "/mounted"}),
])
def test_a_path_served_otherwise_than_sent_is_refused(raw_path, path, scope):
    with pytest.raises(ApiError) as refused:
        received_request(_request(raw_path, path, **scope))
    assert refused.value.error == errors.BAD_REQUEST


def test_repeated_lines_are_one_value_in_order():
    lines = signing.FieldLines([("Upload-Offset", " 0 "), ("X", "a"), ("upload-offset", "5\t")])
    assert lines.combined() == {"upload-offset": "0, 5", "x": "a"}
    request = _request(b"/", "/", headers=[(b"idempotency-key", b'"a\\"b"'),
                                           (b"idempotency-key", b"c")])
    assert idempotency_key(request) == '"a\\"b", c'  # two lines: not one sf-string
    one = _request(b"/", "/", headers=[(b"idempotency-key", b'"a\\"b\\\\c"')])
    assert idempotency_key(one) == 'a"b\\c'


def test_the_log_shows_printable_ascii_only():
    assert escaped("GET") == "GET"
    assert escaped("/a\r\nb\x00\x1b\u2028\\") == "/a\\r\\nb\\x00\\x1b\\u2028\\\\"
    assert loggable("/api/v1/cases/ABCDEFGH\n") == "/api/v1/cases/AB***"
    assert loggable("/api/v1/x\ny") == "/api/v1/x\\ny"


def test_a_receipt_in_the_page_path_is_masked_in_the_log():
    """A receipt opens its case's page: like a query code, it never reaches the log."""
    text = "R1AgAHW80VAGsHmagcT3t33hquqZLeelQQJ4LXolCb110di3f_MFdJDYoaDgZULTAwMDHl8Ud"
    assert loggable("/r/" + text) == "/r/R1***"
    assert text[4:] not in loggable("/r/" + text)
