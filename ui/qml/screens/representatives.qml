import QtQuick
import ".."

StepPage {
    Label2 { width: parent.width; text: "点一下选为代表，再点一下取消。最多 5 位。" }
    Repeater {
        model: session.groupMembers
        delegate: Btn {
            required property var modelData
            width: parent.width
            selected: modelData.representative
            iconName: "person"
            text: (modelData.index + 1) + ". " + modelData.name + (modelData.representative ? "（代表）" : "")
            onClicked: session.toggleRepresentative(modelData.index)
        }
    }
}
