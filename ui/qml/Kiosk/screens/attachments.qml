pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// Material: photographed with the camera if one is connected; otherwise said plainly.
StepPage {
    id: s
    readonly property bool camera: Session.cameraAvailable
    InfoBox {
        objectName: "cameraNotice"
        visible: !s.camera
        iconName: "camera"
        text: "这台机器没有连接摄像头，现在不能拍照。" + (Session.materialMissing === 0
              ? "您的申请不需要必交材料，请直接按“下一步”。"
              : "您的申请需要下面标着“必须提供”的材料。请先按“下一步”继续，核对页面会提示缺少的材料；也可以带着材料到窗口办理。")
    }
    Repeater {
        model: Session.material
        delegate: Rectangle {
            id: materialItem
            required property var modelData
            width: parent.width
            height: mrow.implicitHeight + 2 * Theme.gap
            color: Theme.surface
            radius: Theme.radius
            border.color: Theme.line; border.width: 2
            Row {
                id: mrow
                x: Theme.gap; y: Theme.gap
                spacing: Theme.gap
                Icon { name: materialItem.modelData.count > 0 ? "check" : "document"; anchors.verticalCenter: parent.verticalCenter }
                Column {
                    width: parent.parent.width - 3 * Theme.gap - Theme.icon - (shoot.visible ? shoot.width + Theme.gap : 0)
                    anchors.verticalCenter: parent.verticalCenter
                    BodyText { width: parent.width; font.bold: true; text: materialItem.modelData.label }
                    BodyText {
                        width: parent.width
                        color: materialItem.modelData.required && materialItem.modelData.count === 0 ? Theme.red : Theme.muted
                        text: (materialItem.modelData.required ? "必须提供" : "选填") + (materialItem.modelData.count > 0 ? "，已拍 " + materialItem.modelData.count + " 张" : "")
                    }
                }
                ActionButton {
                    id: shoot
                    visible: s.camera
                    text: "拍照"
                    iconName: "camera"
                    onClicked: cameraLoader.role = materialItem.modelData.role
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
        onLoaded: item.role = role  // qmllint disable missing-property
        Connections {
            target: cameraLoader.item
            ignoreUnknownSignals: true
            function onTaken() { cameraLoader.role = "" }
        }
    }
}
