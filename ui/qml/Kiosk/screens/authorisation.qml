pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// 村民授权 (an agent session only): what the villager delegates to the agent, the powers
// and the period, in plain words, one thought a line; the villager signs under it on a pad
// of its own (the agent may not sign for them). Sealed with the petition as the
// attachment `authorisation_signature` (seed document 4 Art. 10(3)).
StepPage {
    id: s
    Connections {
        target: Session
        function onFocusField(p: string) { if (p === "authorisation_signature") Shell.reveal(authBlock) }
    }
    Rectangle {
        objectName: "authorisationText"
        width: parent.width
        height: lines.implicitHeight + 2 * Theme.gap
        color: Theme.surface
        radius: Theme.radius
        border.color: Theme.blue; border.width: 2
        Column {
            id: lines
            x: Theme.gap; y: Theme.gap; width: parent.width - 2 * Theme.gap
            spacing: Math.round(Theme.gap / 2)
            BodyText { width: parent.width; text: "授权委托"; font.bold: true; color: Theme.blue }
            Repeater {
                model: Agents.authorisationLines
                delegate: BodyText { required property string modelData; width: lines.width; text: modelData }
            }
        }
    }
    Column {
        id: authBlock
        objectName: "authorisationSignatureBlock"
        width: parent.width
        spacing: Math.round(Theme.gap / 2)
        Item {
            width: parent.width
            height: Math.max(authLabel.implicitHeight, clearAuth.height)
            BodyText {
                id: authLabel
                anchors { left: parent.left; right: clearAuth.left; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
                font.bold: true
                text: "同意的话，请村民本人在下面签名"
            }
            ActionButton {
                id: clearAuth
                objectName: "btn:clearAuthSignature"
                anchors.right: parent.right
                text: "重新签名"
                iconName: "trash"
                onClicked: Agents.clearAuthSignature()
            }
        }
        SignaturePad {
            objectName: "authorisationPad"
            width: parent.width
            height: Math.round(Math.min(Shell.windowHeight * (Session.elderly ? 0.3 : 0.22),
                                        parent.width * (Session.elderly ? 0.6 : 0.45)))
            strokes: Agents.authStrokes
            signed: Agents.authSigned
            problemPath: "authorisation_signature"
            hint: "请村民用手指在这里写上自己的名字"
            addStroke: function(points, w, h) { Agents.addAuthStroke(points, w, h) }
        }
        FieldProblem { path: "authorisation_signature"; width: parent.width }
    }
}
