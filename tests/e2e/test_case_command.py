"""`kiosk case`: a real terminal reads a case from a real platform process, as its own
terminal, as another terminal with the citizen's second factor, and refuses bad input
before anything is sent."""

from __future__ import annotations

import json
import re
import unicodedata

from tests.support import factories
from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, make_terminal, receiver_cases


def full_width(text: str) -> str:
    """As typed on a Chinese keyboard in full-width mode."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_kiosk_case_reads_its_own_cases_and_a_citizens_with_the_second_factor(tmp_path):
    last4 = factories.petition()["applicants"][0]["phone"][-4:]
    for place in "abc":
        (tmp_path / place).mkdir()
    with running_receiver(tmp_path / "platform") as rx:
        mine = enrolled_terminal(tmp_path / "a", rx, terminal_id="T-CASE-A")
        elsewhere = enrolled_terminal(tmp_path / "b", rx, terminal_id="T-CASE-B")
        mine.queue(1)
        assert mine.kiosk("sync", "--once").returncode == 0
        [row] = receiver_cases(rx)
        code = row["query_code"]

        own = mine.kiosk("case", code.lower())
        assert own.returncode == 0, own.stderr
        assert row["case_no"] in own.stdout and "已收到" in own.stdout

        refused = elsewhere.kiosk("case", code)
        assert refused.returncode == 1
        assert "no case with this query code that this terminal may read" in refused.stderr
        citizen = elsewhere.kiosk("case", full_width(code[:4]) + " " + code[4:],
                                  "--phone-last4", full_width(last4), "--json")
        assert citizen.returncode == 0, citizen.stderr
        progress = json.loads(citizen.stdout)
        assert (progress["case_no"], progress["status"]) == (row["case_no"], "received")
        wrong = "1234" if last4 != "1234" else "4321"
        guessed = elsewhere.kiosk("case", code, "--phone-last4", wrong)
        assert guessed.returncode == 1 and "these phone digits" in guessed.stderr
        # the platform's log shows the reads, never the digits
        reads = [line for line in rx.output if "case-queries" in line]
        assert len(reads) == 2
        assert all(re.search(r"POST /api/v1/case-queries \d{3} [\d.]+ ms$", line)
                   for line in reads), reads
        assert factories.petition()["applicants"][0]["phone"] not in "".join(rx.output)

        before = len(rx.output)
        for args, message in ((("ABC",), "8 characters printed on the receipt"),
                              (("IIII0000",), "has no 0 I"),
                              ((code, "--phone-last4", "12a4"), "exactly 4 digits"),
                              ((code, "--phone-last4", "123"), "exactly 4 digits")):
            bad = elsewhere.kiosk("case", *args)
            assert bad.returncode == 2, (args, bad.stderr)
            assert message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
        assert len(rx.output) == before  # refused before anything was sent

        stranger = make_terminal(tmp_path / "c", rx.api_url, rx.platform_public_key,
                                 "T-CASE-C")
        unenrolled = stranger.kiosk("case", code)
        assert unenrolled.returncode == 1 and "enroll" in unenrolled.stderr
    assert unicodedata.normalize("NFKC", full_width(code)) == code
