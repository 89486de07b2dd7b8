import QtQuick
import Kiosk.ViewModels

// Handwritten signature: strokes are kept by the session and exported there as PNG.
// By default the visitor's own signature (Session); the villager's under an agent's
// authorisation binds `strokes`, `signed`, `problemPath` and `addStroke` to Agents.
Rectangle {
    id: pad
    objectName: "signaturePad"
    property var strokes: Session.strokes
    property bool signed: Session.signed
    property string problemPath: "signature"
    property string hint: "请用手指在这里写上您的名字"
    property var addStroke: function(points, w, h) { Session.addStroke(points, w, h) }
    color: "#FFFFFF"
    radius: Theme.radius
    border.width: Session.problems[problemPath] ? Math.round(5 * Theme.scale) : 3
    border.color: Session.problems[problemPath] ? Theme.red : Theme.blue
    property var current: []
    onStrokesChanged: canvas.requestPaint()

    Text {
        anchors.centerIn: parent
        visible: !pad.signed && pad.current.length === 0
        text: pad.hint
        font.family: Theme.fontFamily; font.pixelSize: Theme.body; color: Theme.muted
    }
    Canvas {
        id: canvas
        anchors.fill: parent
        onPaint: {
            let ctx = getContext("2d")
            ctx.clearRect(0, 0, width, height)
            ctx.lineWidth = 5
            ctx.lineCap = "round"
            ctx.lineJoin = "round"
            ctx.strokeStyle = "#000000"
            let all = pad.strokes.concat(pad.current.length ? [pad.current] : [])
            for (let i = 0; i < all.length; i++) {
                let s = all[i]
                if (!s.length) continue
                ctx.beginPath()
                ctx.moveTo(s[0].x, s[0].y)
                for (let j = 1; j < s.length; j++) ctx.lineTo(s[j].x, s[j].y)
                if (s.length === 1) ctx.lineTo(s[0].x + 0.5, s[0].y)
                ctx.stroke()
            }
        }
    }
    MouseArea {
        anchors.fill: parent
        preventStealing: true
        onPressed: function(m) { pad.current = [{x: m.x, y: m.y}]; canvas.requestPaint() }
        onPositionChanged: function(m) {
            let c = pad.current
            c.push({x: Math.max(0, Math.min(width, m.x)), y: Math.max(0, Math.min(height, m.y))})
            pad.current = c
            canvas.requestPaint()
        }
        onReleased: { pad.addStroke(pad.current, pad.width, pad.height); pad.current = [] }
    }
}
