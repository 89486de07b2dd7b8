import QtQuick
import QtMultimedia
import Kiosk.ViewModels

// 查询办理进度 with a camera: the receipt's QR code held under it is read (ui/camera.py,
// off the GUI thread) and fills the receipt number as if typed; typing stays possible.
Column {
    id: scan
    signal closed()
    width: parent ? parent.width : 600
    spacing: Theme.gap
    readonly property real room: Shell.currentFlick ? Shell.currentFlick.height - Theme.gap : Shell.windowHeight / 2
    Component.onCompleted: { Camera.scan(output, output.GraphicsInfo.api === GraphicsInfo.Software); Shell.reveal(scan) }
    Component.onDestruction: Camera.close()

    Text {
        id: title
        objectName: "scan:prompt"
        width: scan.width
        text: "把回执二维码放到摄像头下"
        font.family: Theme.fontFamily; font.pixelSize: Math.round(Theme.body * 1.15); font.bold: true
        color: Theme.blue; wrapMode: Text.Wrap; lineHeight: 1.3
    }
    BodyText { id: hint; width: scan.width; color: Theme.muted; text: "二维码朝上，放平，停一下，读到了会自动填好回执编号。" }
    Rectangle {
        width: scan.width
        // title, picture and button in view together on every canvas, 大字 included
        height: Math.round(Math.max(Theme.target * 2, Math.min(scan.width * 0.6,
                scan.room - title.height - hint.height - closeButton.height - 4 * scan.spacing)))
        color: "#20262C"
        radius: Theme.radius
        border.color: Theme.line
        border.width: 3
        VideoOutput {
            id: output
            objectName: "scan:preview"
            anchors.fill: parent
            anchors.margins: 3
            fillMode: VideoOutput.PreserveAspectFit
        }
        Image {  // where the scene graph draws no video (software rendering): the frames as images
            objectName: "scan:painted"
            anchors.fill: parent
            anchors.margins: 3
            visible: Camera.painted
            source: Camera.painted ? Camera.liveSource : ""
            cache: false
            fillMode: Image.PreserveAspectFit
        }
    }
    ProblemLine { objectName: "scan:message"; visible: Camera.message !== ""; width: scan.width; text: Camera.message }
    ActionButton {
        id: closeButton
        objectName: "scan:close"
        iconName: "arrow-left"
        text: "不扫了，自己输入"
        onClicked: scan.closed()
    }
}
