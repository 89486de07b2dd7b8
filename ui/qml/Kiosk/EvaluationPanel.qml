pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// The service evaluation (好差评), for the service at the terminal (after the receipt)
// and for an answered case (the query screen): set `service`. Five levels, none chosen
// at first; a bad rating (the last two) asks why with tags and an optional text. The
// text of each level is its meaning: colour is never the only cue.
Column {
    id: p
    property string service: "terminal"
    width: parent ? parent.width : 600
    spacing: Theme.gap
    Component.onCompleted: Evaluation.service = p.service

    BodyText { width: p.width; font.bold: true; text: Evaluation.question }
    BodyText { width: p.width; color: Theme.muted; text: "评价是自愿的：不评价不影响办理，也不会有人因此联系您。每项服务只评价一次。" }
    Rectangle {
        visible: Evaluation.message !== ""
        width: p.width
        height: msg.implicitHeight + Theme.gap
        color: Theme.surface
        radius: Theme.radius
        border.color: Evaluation.done ? Theme.blue : Theme.red
        border.width: 3
        Row {
            x: Theme.gap / 2; y: Theme.gap / 2
            spacing: Theme.gap
            Icon { id: msgIcon; name: Evaluation.done ? "check" : "alert"; size: Theme.icon }
            BodyText { id: msg; width: p.width - msgIcon.width - 2 * Theme.gap; text: Evaluation.message }
        }
    }
    Grid {
        id: levels
        visible: !Evaluation.done
        columns: Shell.landscape ? 5 : 1
        spacing: Theme.gap
        width: p.width
        Repeater {
            model: Evaluation.levels
            delegate: ActionButton {
                required property var modelData
                width: (levels.width - (levels.columns - 1) * Theme.gap) / levels.columns
                objectName: "level:" + modelData.code
                text: modelData.label
                selected: Evaluation.level === modelData.code
                enabled: !Evaluation.busy
                onClicked: Evaluation.choose(modelData.code)
            }
        }
    }
    Column {
        visible: Evaluation.bad && !Evaluation.done
        width: p.width
        spacing: Theme.gap
        BodyText { width: p.width; font.bold: true; text: "请选择不满意的原因（可以选几个）：" }
        Flow {
            width: p.width
            spacing: Theme.gap
            Repeater {
                model: Evaluation.reasons
                delegate: ActionButton {
                    required property var modelData
                    objectName: "reason:" + modelData.code
                    text: modelData.label
                    selected: modelData.chosen
                    onClicked: Evaluation.toggleReason(modelData.code)
                }
            }
        }
        Field {
            objectName: "evaluationText"
            width: p.width
            path: Evaluation.textPath
            label: "还想说的话（可以不写）"
            multiline: true
            lines: 2
        }
    }
}
