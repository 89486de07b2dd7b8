import QtQuick
import QtMultimedia
import Kiosk.ViewModels

// The document camera (高拍仪): the live picture and 拍照; then the photo, shown before it is
// kept: 保留 (into the session's memory), 重拍, or 删除. The capture itself is the view-model
// Camera's (ui/camera.py); this only shows it.
Column {
    id: shot
    property string role
    property string label: ""  // what is being photographed, said above the picture
    // The material step: one photo, then the camera closes (`closed`). The query's
    // 补充材料: page after page, the camera stays.
    property bool oneShot: true
    readonly property bool reviewing: Camera.state === "review"
    signal taken()  // a photo is in the session's memory
    signal closed()  // the citizen is done with the camera
    width: parent ? parent.width : 600
    spacing: Theme.gap
    // the height of the screen's scrolling page, which the whole camera should fit in
    readonly property real room: Shell.currentFlick ? Shell.currentFlick.height - Theme.gap : Shell.windowHeight / 2
    Component.onCompleted: { Camera.open(output, output.GraphicsInfo.api === GraphicsInfo.Software); Shell.reveal(shot) }
    Component.onDestruction: Camera.close()

    BodyText {
        id: prompt
        objectName: "camera:prompt"
        width: shot.width
        font.bold: true
        text: shot.reviewing ? "请看照片：字看得清楚，就按“保留”；看不清，就按“重拍”。"
                             : (shot.label !== "" ? "拍" + shot.label + "：" : "")
                               + "把材料平放在摄像头下面，然后按“拍照”。"
    }
    // Prompt, picture and buttons in view together on every canvas, 大字 included: where the
    // page is wide and low (landscape), the buttons stand beside the picture.
    readonly property bool side: shot.width > 1.8 * shot.room
    Grid {
        columns: shot.side ? 2 : 1
        spacing: Theme.gap
        Rectangle {
            objectName: "camera:frame"
            width: shot.side ? shot.width - buttons.width - Theme.gap : shot.width
            height: Math.round(Math.max(Theme.target * 2, Math.min(width * 0.75, shot.side
                    ? shot.room - prompt.height - 2 * shot.spacing
                    : shot.room - prompt.height - buttons.height - 3 * shot.spacing)))
            color: "#20262C"
            radius: Theme.radius
            border.color: shot.reviewing ? Theme.blue : Theme.line
            border.width: 3
            VideoOutput {
                id: output
                objectName: "camera:preview"
                anchors.fill: parent
                anchors.margins: 3
                visible: !shot.reviewing
                fillMode: VideoOutput.PreserveAspectFit
            }
            Image {  // where the scene graph draws no video (software rendering): the frames as images
                objectName: "camera:painted"
                anchors.fill: parent
                anchors.margins: 3
                visible: Camera.painted && !shot.reviewing
                source: Camera.painted ? Camera.liveSource : ""
                cache: false
                fillMode: Image.PreserveAspectFit
            }
            Image {
                objectName: "camera:review"
                anchors.fill: parent
                anchors.margins: 3
                visible: shot.reviewing
                source: Camera.reviewSource
                cache: false  // the photo lives in the view-model's memory only
                asynchronous: false
                fillMode: Image.PreserveAspectFit
            }
        }
        Flow {
            id: buttons
            width: shot.side ? Math.round(Theme.target * 2.6) : shot.width
            spacing: Theme.gap
            ActionButton {
                objectName: "camera:shoot"
                visible: !shot.reviewing
                primary: true
                text: "拍照"
                iconName: "camera"
                onClicked: Camera.shoot()
            }
            ActionButton {
                objectName: "camera:close"
                visible: !shot.reviewing && shot.oneShot
                text: "不拍了"
                iconName: "arrow-left"
                onClicked: shot.closed()
            }
            ActionButton {
                objectName: "camera:keep"
                visible: shot.reviewing
                primary: true
                text: "保留"
                iconName: "check"
                onClicked: { Camera.keep(shot.role); shot.taken(); if (shot.oneShot) shot.closed() }
            }
            ActionButton {
                objectName: "camera:retake"
                visible: shot.reviewing
                text: "重拍"
                iconName: "camera"
                onClicked: Camera.retake()
            }
            ActionButton {
                objectName: "camera:discard"
                visible: shot.reviewing && shot.oneShot
                danger: true
                text: "删除"
                iconName: "trash"
                onClicked: { Camera.retake(); shot.closed() }
            }
        }
    }
    ProblemLine { objectName: "camera:message"; visible: Camera.message !== ""; width: shot.width; text: Camera.message }
}
