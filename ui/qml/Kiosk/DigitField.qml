import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// A number typed on the large digit pad (ID and phone numbers, dates), shown in groups.
Column {
    id: f
    property string path
    property string label
    property string kind: "id"  // id | phone | date
    property bool allowX: kind === "id"
    property int maxLength: kind === "phone" ? 11 : (kind === "date" ? 8 : 18)
    property string value: ""
    readonly property bool active: Shell.digitTarget === f
    width: parent ? parent.width : 600
    spacing: Math.round(Theme.gap / 2)

    function load() {
        let v = Session.value(f.path)
        let s = (v === undefined || v === null) ? "" : String(v)
        f.value = f.kind === "date" ? s.replace(/[^0-9]/g, "") : s
    }
    function store() { Session.setValue(f.path, f.value) }
    function press(ch) { if (f.value.length < f.maxLength) { f.value += ch; store() } }
    function backspace() { f.value = f.value.slice(0, -1); store() }
    function grouped(s) {
        if (f.kind === "date") {
            let y = (s.slice(0, 4) + "____").slice(0, 4)
            let m = (s.slice(4, 6) + "__").slice(0, 2)
            let d = (s.slice(6, 8) + "__").slice(0, 2)
            return y + " 年 " + m + " 月 " + d + " 日"
        }
        let groups = f.kind === "phone" ? [3, 4, 4] : [6, 8, 4]
        let out = [], i = 0
        for (let g = 0; g < groups.length && i < s.length; g++) { out.push(s.substr(i, groups[g])); i += groups[g] }
        if (i < s.length) out.push(s.substr(i))
        return out.join(" ")
    }
    Component.onCompleted: load()
    Connections {
        target: Session
        function onValuesReset() { f.load() }
        function onFocusField(p) { if (p === f.path) { Shell.openPad(f); Shell.reveal(f) } }
    }

    BodyText { text: f.label; font.bold: true; width: f.width }
    Button {
        id: box
        objectName: "digits:" + f.path
        width: f.width
        height: Math.max(Theme.target, Theme.body * 2)
        focusPolicy: Qt.NoFocus
        onClicked: { Shell.openPad(f); Shell.reveal(f) }
        background: Rectangle {
            radius: Theme.radius
            color: Theme.surface
            border.width: f.active ? Math.round(4 * Theme.scale) : 2
            border.color: Session.problems[f.path] ? Theme.red : (f.active ? Theme.blue : Theme.line)
        }
        contentItem: Text {
            leftPadding: Theme.gap
            verticalAlignment: Text.AlignVCenter
            font.family: Theme.fontFamily
            font.pixelSize: Math.round(Theme.body * 1.15)
            font.letterSpacing: 2
            color: f.value || f.kind === "date" ? Theme.text : Theme.muted
            text: f.value || f.kind === "date" ? f.grouped(f.value) : "点这里，用下方数字键输入"
        }
    }
    FieldProblem { path: f.path; width: f.width }
}
