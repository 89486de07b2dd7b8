"""`kiosk tour` at both canvases, normal and 大字: audit.json meets shared/UX.md."""

from __future__ import annotations

import json

import pytest
import zxingcpp

from kiosk import config, terminal_key  # noqa: E402
from ui.tour import run_tour  # noqa: E402
from wire import keys, receipt

KEYBOARD_OPEN = {"09-matter-keyboard", "09a-matter-keyboard-candidates", "09b-matter-keyboard-symbols",
                 "09c-matter-keyboard-english"}
PAD_OPEN = {"06-applicant-digit-pad", "06a-applicant-id-pad", "06b-applicant-id-pad-undo",
            "19-query-entry-digit-pad", "24-query-code-pad"}
HANDWRITING_OPEN = {"06c-applicant-handwriting"}
SCREENS = KEYBOARD_OPEN | PAD_OPEN | HANDWRITING_OPEN | {
           "01-home", "02-kind", "03-earlier-reply", "04-applying-as", "05-applicant",
           "05a-applicant-idcard-read", "05b-applicant-idcard-no-card", "07-category",
           "07a-purpose",
           "08-matter", "10-attachments", "11-review", "13-consent-signed", "14-receipt", "14-receipt-qr",
           "14a-evaluation", "14b-evaluation-reason", "14c-evaluation-thanks", "15-agent",
           "14-receipt-paper-out", "18a-help", "18b-technician-help-alert", "18c-technician-cut-off",
           "16-group", "17-representatives", "18-idle-countdown", "19-query-entry-digit-pad",
           "20-query-entry-problem", "21-query-not-found", "22-query-result", "23-query-offline",
           "24-query-code-pad", "25-query-material-requested", "26-query-supplement",
           "27-query-supplement-saved", "28-query-withdraw", "29-query-rate-case",
           # the document camera (the synthetic source): live, a photo under review, the QR scan
           "10a-attachments-camera", "10b-attachments-photo-review", "19a-query-scan-receipt",
           # a proxy station (代办员): its home, the sign-in, the agent session, the villager's
           # authorisation signed, the villager's own receipt, the agent's list
           "30-agent-station-home", "31-agent-signin", "32-agent-session-home",
           "33-agent-authorisation", "34-agent-villager-receipt", "35-agent-list",
           "36-technician-bind-agent"}


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_tour_meets_the_ux_numbers(qapp, tmp_path, size, elderly):
    loaded = config.demo(tmp_path / "data")
    key = keys.generate_signing_key()
    terminal_key.save(loaded.data_dir, key)  # enrolled: the receipt is signed
    report = run_tour(loaded, tmp_path / "out", size, elderly=elderly)
    saved = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    assert saved["minima"] == report["minima"]
    assert SCREENS <= set(report["screens"])
    for name in report["order"]:
        assert (tmp_path / "out" / f"{name}.png").stat().st_size > 10_000

    target, text = (120, 48) if elderly else (88, 32)
    for name, screen in report["screens"].items():
        assert screen["smallest_target_px"] >= target, (name, screen)
        assert screen["smallest_text_px"] >= text, (name, screen)
        assert screen["lowest_contrast"] >= 4.5, (name, screen)
        assert screen["lowest_body_contrast"] >= 7.0, (name, screen)
        # What the step asks for is in view, or the page says 下面还有内容 (and scrolls on a tap).
        assert screen["below_fold_uncued"] == 0, (name, screen["below_fold_items"])
        # No line holds one character alone; no ID, phone or receipt number is broken or cut.
        assert screen["lone_characters"] == [], (name, screen["lone_characters"])
        assert screen["split_numbers"] == [], (name, screen["split_numbers"])
        # The keyboard's and the pads' keys, wherever one is open: the same sizes, each with
        # its word or character, a pad without blank cells, one primary action on screen.
        if "keyboard_keys" in screen:
            assert screen["keyboard_smallest_key_px"] >= target, (name, screen)
            assert screen["keyboard_unlabelled"] == [], (name, screen)
            assert screen["keyboard_not_chinese"] == [], (name, screen)
        if "pad_keys" in screen:
            assert screen["pad_smallest_key_px"] >= target, (name, screen)
            assert screen["pad_unlabelled"] == [] and screen["pad_not_chinese"] == [], (name, screen)
            assert screen["pad_blank_cells"] == 0 and screen["pad_primary_buttons"] == 0, (name, screen)
        if "keyboard_keys" in screen or "pad_keys" in screen:
            assert screen["primary_buttons"] == 1, (name, screen)
    for name in KEYBOARD_OPEN:
        assert report["screens"][name]["keyboard_keys"] >= 32, name  # measured, not absent
    for name in PAD_OPEN:
        assert report["screens"][name]["pad_keys"] >= 13, name
    # 手写: 重写 · 删除 · 拼音 · 收起 and candidates for the 十 written, all keys of the sizes
    # above (checked as a pad's); the writing area 600 px square, 800 in 大字 on both canvases
    # (in landscape it stands in the footer's middle, see docs/ui.md).
    for name in HANDWRITING_OPEN:
        screen = report["screens"][name]
        assert screen["pad_keys"] >= 4 + 2, (name, screen)
        wanted = 800 if elderly else 600
        assert screen["handwriting_area_px"] >= wanted, (name, screen)

    # The receipt's QR code, read back from the screenshot as a phone would: the
    # platform's receipt page for a receipt this terminal's key signed.
    from PySide6.QtGui import QImage

    shot = QImage(str(tmp_path / "out" / "14-receipt-qr.png"))
    found = [b.text for b in zxingcpp.read_barcodes(shot)]
    assert len(found) == 1, found
    assert found[0].startswith("http://127.0.0.1:8700/r/R1")
    signed = receipt.parse(found[0])
    signed.verify(key.public_key())
    assert signed.terminal_id == loaded.config.terminal.id and signed.kind == "petition"
