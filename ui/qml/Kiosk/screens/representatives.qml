import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    BodyText { width: parent.width; text: "点一下选为代表，再点一下取消。最多 " + Session.maxRepresentatives + " 位。" }
    Repeater {
        model: Session.groupMembers
        delegate: ActionButton {
            required property var modelData
            width: parent.width
            selected: modelData.representative
            iconName: "person"
            text: (modelData.index + 1) + ". " + modelData.name + (modelData.representative ? "（代表）" : "")
            onClicked: Session.toggleRepresentative(modelData.index)
        }
    }
}
