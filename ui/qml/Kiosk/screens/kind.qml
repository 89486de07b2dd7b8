import QtQuick
import Kiosk
import Kiosk.ViewModels

// 申请复查、复核: which document does the citizen hold? A picture of each, large enough to
// hold the paper up against; the choice decides 复查 or 复核 (kiosk/choices.py HELD_DOCUMENTS).
StepPage {
    Choices {
        path: "kind"
        columns: 2
        vertical: true
        iconSize: Math.round(Theme.icon * (Shell.landscape ? 3.6 : 4.2))
    }
    BodyText {
        width: parent.width
        color: Theme.muted
        text: "两样都不是？请按“返回首页”，选“我要信访”；看不准的，请找工作人员帮您看一看。"
    }
}
