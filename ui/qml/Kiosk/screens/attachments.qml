pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// Material: photographed with the document camera if one is connected (CameraShot: the
// photo is shown before it is kept). Without one, what the
// case needs is handed in separately (材料另交): the prompt says so, each item what to
// bring and where, and nothing on this screen asks for a photo.
StepPage {
    id: s
    readonly property bool camera: Session.cameraAvailable
    Repeater {
        model: Session.material
        delegate: Rectangle {
            id: materialItem
            required property var modelData
            readonly property bool separate: modelData.separate
            objectName: "material:" + modelData.role
            width: parent.width
            height: mrow.implicitHeight + 2 * Theme.gap
            color: Theme.surface
            radius: Theme.radius
            border.color: Theme.line; border.width: 2
            Row {
                id: mrow
                x: Theme.gap; y: Theme.gap
                spacing: Theme.gap
                Icon { name: materialItem.modelData.count > 0 || materialItem.separate ? "check" : "document"; anchors.verticalCenter: parent.verticalCenter }
                Column {
                    width: parent.parent.width - 3 * Theme.gap - Theme.icon - (buttons.visible ? buttons.width + Theme.gap : 0)
                    anchors.verticalCenter: parent.verticalCenter
                    BodyText { width: parent.width; font.bold: true; text: materialItem.modelData.label }
                    BodyText {
                        objectName: "material:" + materialItem.modelData.role + ":state"
                        width: parent.width
                        color: materialItem.modelData.required && materialItem.modelData.count === 0 && !materialItem.separate ? Theme.red : Theme.muted
                        text: materialItem.modelData.count > 0 ? "已拍 " + materialItem.modelData.count + " 张"
                              : materialItem.separate ? "材料另交：请带上原件，交到" + Session.materialDesk
                              : materialItem.modelData.required ? "必须提供：拍照，或选“带原件另交”" : "选填"
                    }
                }
                Column {
                    id: buttons
                    visible: s.camera
                    spacing: Theme.gap
                    anchors.verticalCenter: parent.verticalCenter
                    ActionButton {
                        text: "拍照"
                        iconName: "camera"
                        objectName: "shoot:" + materialItem.modelData.role
                        onClicked: { cameraLoader.label = materialItem.modelData.label; cameraLoader.role = materialItem.modelData.role }
                    }
                    ActionButton {
                        visible: materialItem.modelData.count > 0
                        text: "删除照片"
                        iconName: "trash"
                        danger: true
                        objectName: "removePhotos:" + materialItem.modelData.role
                        onClicked: Session.removePhotos(materialItem.modelData.role)
                    }
                    ActionButton {
                        visible: materialItem.modelData.required && materialItem.modelData.count === 0
                        text: "带原件另交"
                        iconName: "document"
                        selected: materialItem.separate
                        objectName: "separate:" + materialItem.modelData.role
                        onClicked: Session.toggleSeparate(materialItem.modelData.role)
                    }
                }
            }
        }
    }
    Loader {
        id: cameraLoader
        property string role: ""
        width: parent.width
        active: s.camera && role !== ""
        // By URL, so QtMultimedia loads only when there is a camera; the item's type (a
        // CameraShot) is then unknown to the QML tooling.
        source: "../CameraShot.qml"
        property string label: ""
        onLoaded: { item.role = role; item.label = label }  // qmllint disable missing-property
        Connections {
            target: cameraLoader.item
            ignoreUnknownSignals: true
            function onClosed() { cameraLoader.role = "" }
        }
    }
}
