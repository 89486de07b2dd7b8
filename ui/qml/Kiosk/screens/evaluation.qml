import QtQuick
import Kiosk
import Kiosk.ViewModels

// 评价本次服务: reached from the receipt by choice. 不评价 and 完成 are always in view at
// the bottom; nothing here is required to end the visit.
Item {
    StepPage {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: bar.top }
        showHeading: false  // the header says 评价本次服务; the panel says the rest
        EvaluationPanel { service: "terminal" }
    }
    Rectangle {
        id: bar
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: Theme.target + 2 * Theme.gap
        color: Theme.surface
        Rectangle { anchors { left: parent.left; right: parent.right; top: parent.top } height: 2; color: Theme.line }
        Row {
            anchors { right: parent.right; rightMargin: Theme.pad; verticalCenter: parent.verticalCenter }
            spacing: Theme.gap
            ActionButton {
                objectName: "btn:skipEvaluation"
                visible: !Evaluation.done
                iconName: "arrow-left"
                text: "不评价"
                onClicked: { Evaluation.reset(); Session.goTo("receipt") }
            }
            ActionButton {
                objectName: "btn:submitEvaluation"
                visible: !Evaluation.done
                primary: true
                enabled: Evaluation.level !== "" && !Evaluation.busy
                iconName: "check"
                text: "提交评价"
                onClicked: Evaluation.submit()
            }
            ActionButton {
                objectName: "btn:finish"
                visible: Evaluation.done
                primary: true
                iconName: "check"
                text: "完成"
                minWidth: Math.round(Theme.target * 3.2)
                onClicked: Session.goHome()
            }
        }
    }
}
