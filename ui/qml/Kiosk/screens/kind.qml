import QtQuick
import Kiosk
import Kiosk.ViewModels

// 申请复查、复核: which document does the citizen hold? A picture of each, large enough to
// hold the paper up against; the choice decides 复查 or 复核 (kiosk/choices.py HELD_DOCUMENTS).
StepPage {
    Choices {
        path: "kind"
        columns: 2
        // portrait: the picture above its name; landscape: beside it, so both stay in view
        vertical: !Shell.landscape
        iconSize: Math.round(Theme.icon * (Shell.landscape ? 2.6 : 4.2))
    }
    BodyText {
        width: parent.width
        color: Theme.muted
        text: "都不是，或者看不准？请找工作人员帮您看。"
    }
}
