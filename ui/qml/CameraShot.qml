import QtQuick
import QtMultimedia

// Live picture and the 拍照 button; a photo goes straight into the session's memory.
Column {
    id: shot
    property string role
    width: parent ? parent.width : 600
    spacing: theme.gap
    CaptureSession {
        id: capture
        camera: Camera { active: true }
        imageCapture: ImageCapture {
            id: imageCapture
            onImageCaptured: function(id, preview) { session.addPhoto(shot.role, preview); cameraLoaderReset() }
        }
        videoOutput: output
    }
    function cameraLoaderReset() { shot.parent.role = "" }
    VideoOutput { id: output; width: shot.width; height: Math.round(shot.width * 0.6) }
    Btn { width: shot.width; primary: true; text: "拍照"; iconName: "camera"; onClicked: imageCapture.capture() }
}
