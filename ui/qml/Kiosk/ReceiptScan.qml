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
    Component.onCompleted: { Camera.scan(output, output.GraphicsInfo.api === GraphicsInfo.Software); Shell.reveal(scan) }
    Component.onDestruction: Camera.close()

    Text {
        objectName: "scan:prompt"
        width: scan.width
        text: "把回执二维码放到摄像头下"
        font.family: Theme.fontFamily; font.pixelSize: Math.round(Theme.body * 1.15); font.bold: true
        color: Theme.blue; wrapMode: Text.Wrap; lineHeight: 1.3
    }
    BodyText { width: scan.width; color: Theme.muted; text: "二维码朝上，放平，停一下，读到了会自动填好回执编号。" }
    Rectangle {
        width: scan.width
        height: Math.round(Math.min(scan.width * 0.6, Math.max(Theme.target * 3, Shell.windowHeight * 0.3)))
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
        objectName: "scan:close"
        iconName: "arrow-left"
        text: "不扫了，自己输入"
        onClicked: scan.closed()
    }
}
