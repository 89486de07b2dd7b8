"""The signed receipt end to end, with real processes: a petition confirmed while the
platform is down, delivered later by `kiosk sync`; its receipt verifies before and after
delivery (`kiosk-receiver receipt verify`), its QR code's page opens in a real browser
(Debian's chromium through Selenium) and says what the platform knows; forged, altered
and other-terminal receipts are refused with exit 2."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import terminal_key
from tests.support.common import EXAMPLE
from tests.support.platform_server import ReceiverProcess, running_receiver
from tests.support.terminal import enrolled_terminal, receiver_cases
from wire import keys, receipt

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def rx(tmp_path_factory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("platform")) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def browser():
    """A headless chromium the size of a phone's screen; skipped only where no browser
    is installed (scripts/setup.sh installs chromium and chromium-driver)."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("the receipt page needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; scripts/setup.sh does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=412,1600", "--force-device-scale-factor=1", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(browser, tmp_path: Path, name: str) -> Path:
    """A screenshot of the page, kept beside the test (and in $KIOSK_SHOTS when set)."""
    path = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    if os.environ.get("KIOSK_SHOTS"):
        Path(os.environ["KIOSK_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["KIOSK_SHOTS"]) / path.name)
    return path


def _page_text(browser, url: str) -> str:
    from selenium.webdriver.common.by import By

    browser.get(url)
    return browser.find_element(By.TAG_NAME, "body").text


def _verify(rx: ReceiverProcess, text: str, *extra: str):
    return rx.cli("receipt", "verify", text, *extra, check=False)


def test_a_receipt_confirmed_offline_proves_itself_before_and_after_delivery(
        rx, browser, tmp_path):
    for place in "ab":
        (tmp_path / place).mkdir()
    term = enrolled_terminal(tmp_path / "a", rx, terminal_id="T-RCPT-A")
    other = enrolled_terminal(tmp_path / "b", rx, terminal_id="T-RCPT-B")

    rx.stop()  # the platform is down: the citizen confirms all the same
    submitted = term.kiosk("submit", str(EXAMPLE), "--json")
    assert submitted.returncode == 0, submitted.stderr
    out = json.loads(submitted.stdout)
    qr_url = out["receipt_qr"]
    assert qr_url == rx.url + receipt.PAGE_PATH + out["receipt"]
    offline = term.kiosk("sync", "--once")
    assert term.status()["counts"]["queued"] == 1, offline.stderr
    rx.start()

    before = _verify(rx, qr_url)
    assert before.returncode == 0, before.stderr
    assert "the signature holds" in before.stdout and "arrived: not yet" in before.stdout
    assert "of terminal T-RCPT-A" in before.stdout
    text = _page_text(browser, qr_url)
    assert "回执真实有效" in text and "已在自助终端确认，尚未送达" in text
    assert "接下来的法定期限" in text
    _shot(browser, tmp_path, "receipt-page-not-arrived")

    assert term.kiosk("sync", "--once").returncode == 0
    assert term.status()["counts"]["delivered"] == 1
    [case] = [c for c in receiver_cases(rx) if c["terminal_id"] == "T-RCPT-A"]
    assert case["receipt_no"] == out["receipt_no"]
    after = _verify(rx, out["receipt"], "--json")
    assert after.returncode == 0, after.stderr
    said = json.loads(after.stdout)
    assert said["arrived"] and said["case_no"] == case["case_no"]
    # delivered minutes or days later, the application counts from the confirmation
    assert said["applied_basis"] == "terminal", said
    assert said["applied_at"] == said["confirmed_at"]

    rx.cli("case", "set-status", case["case_no"], "accepted", "--note", "转县人社局办理")
    text = _page_text(browser, qr_url)
    assert "已受理" in text and "转县人社局办理" in text and "尚未送达" not in text
    assert case["query_code"] not in text  # the page is public: no key to the case
    for personal in ("秀兰", "11010519491231002X", "13912345678", "5678"):
        assert personal not in text  # the example's name, ID number and phone stay out
    _shot(browser, tmp_path, "receipt-page-accepted")

    # refused, each with exit 2 and why
    genuine = out["receipt"]
    flip = "A" if genuine[30] != "A" else "B"
    altered = _verify(rx, genuine[:30] + flip + genuine[31:])
    assert altered.returncode == 2 and "not a valid receipt" in altered.stderr
    other_key = terminal_key.load(other.data_dir)
    signed = receipt.parse(genuine)
    theirs = receipt.sign(other_key, terminal_id="T-RCPT-A", receipt_no=signed.receipt_no,
                          kind=signed.kind, confirmed_at=signed.confirmed_at,
                          envelope=b"anything")
    refused = _verify(rx, theirs)
    assert refused.returncode == 2
    assert "signed with the key of terminal T-RCPT-B" in refused.stderr
    forged = receipt.sign(keys.generate_signing_key(),
                          terminal_id="T-RCPT-A", receipt_no=signed.receipt_no,
                          kind=signed.kind, confirmed_at=signed.confirmed_at,
                          envelope=b"anything")
    refused = _verify(rx, forged)
    assert refused.returncode == 2 and "altered or forged" in refused.stderr
    text = _page_text(browser, rx.url + receipt.PAGE_PATH + forged)
    assert "回执无法核验" in text and "回执真实有效" not in text
    _shot(browser, tmp_path, "receipt-page-forged")
    # the receipt never reaches the platform's log
    assert genuine[6:] not in "".join(rx.output)
