import QtQuick
import QtMultimedia
import Kiosk.ViewModels

// Live picture and the 拍照 button; a photo goes straight into the session's memory.
Column {
    id: shot
    property string role
    width: parent ? parent.width : 600
    spacing: Theme.gap
    CaptureSession {
        id: capture
        camera: Camera { active: true }
        imageCapture: ImageCapture {
            id: imageCapture
            onImageCaptured: function(id, preview) { Session.addPhoto(shot.role, preview); shot.taken() }
        }
        videoOutput: output
    }
    signal taken()  // a photo is in the session's memory
    VideoOutput { id: output; width: shot.width; height: Math.round(shot.width * 0.6) }
    ActionButton { width: shot.width; primary: true; text: "拍照"; iconName: "camera"; onClicked: imageCapture.capture() }
}
