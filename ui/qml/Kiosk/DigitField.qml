import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// A number typed on the large digit pad (ID and phone numbers, dates), shown in groups.
// Bound to the petition by `path`; or, with `own`, holding its value itself (a screen
// beside the petition, e.g. 查询办理进度): it reports `edited` and shows `problem`.
Column {
    id: f
    property string path
    property bool own: false
    property string problem: ""  // with `own`: the field's problem, in plain Chinese
    signal edited(string value)
    property string label
    property string kind: "id"  // id | phone | date
    readonly property var entry: Session.digitEntry[kind]  // length, groups, X (kiosk/choices.py)
    property bool allowX: entry.x
    readonly property int maxLength: entry.length
    property string value: ""
    readonly property bool active: Shell.digitTarget === f
    // What 清空 took away, until the next key: 撤销 puts it back. Memory only, like the
    // value, and gone with the session.
    property string undoValue: ""
    width: parent ? parent.width : 600
    spacing: Math.round(Theme.gap / 2)

    function load() {
        if (f.own) return
        let v = Session.value(f.path)
        let s = (v === undefined || v === null) ? "" : String(v)
        f.value = f.kind === "date" ? s.replace(/[^0-9]/g, "") : s
        f.undoValue = ""
    }
    function store() { if (f.own) f.edited(f.value); else Session.setValue(f.path, f.value) }
    function press(ch) { f.undoValue = ""; if (f.value.length < f.maxLength) { f.value += ch; store() } }
    function backspace() { f.undoValue = ""; f.value = f.value.slice(0, -1); store() }
    function clearAll() { if (f.value === "") return; f.undoValue = f.value; f.value = ""; store() }
    function undoClear() { if (f.undoValue === "") return; f.value = f.undoValue; f.undoValue = ""; store() }
    function grouped(s) {
        let groups = f.entry.groups
        let out = [], i = 0
        if (f.kind === "date") {  // every part shown, what is not typed yet as _
            for (let g = 0; g < groups.length; g++) { out.push((s.substr(i, groups[g]) + "____").slice(0, groups[g])); i += groups[g] }
            return out[0] + " 年 " + out[1] + " 月 " + out[2] + " 日"
        }
        for (let g = 0; g < groups.length && i < s.length; g++) { out.push(s.substr(i, groups[g])); i += groups[g] }
        if (i < s.length) out.push(s.substr(i))
        return out.join(" ")
    }
    Component.onCompleted: load()
    Connections {
        target: Session
        function onValuesReset() { f.load() }
        function onWiped() { f.undoValue = "" }
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
            border.color: (f.own ? f.problem !== "" : Session.problems[f.path]) ? Theme.red : (f.active ? Theme.blue : Theme.line)
        }
        contentItem: Text {
            objectName: "digitsText:" + f.path
            // Narrow (beside a pad in 大字 landscape): less room around, so the number fits whole.
            readonly property bool narrow: f.width <= Theme.body * 14
            leftPadding: narrow ? Math.round(Theme.gap / 3) : Theme.gap
            rightPadding: leftPadding
            verticalAlignment: Text.AlignVCenter
            // A number is never broken nor cut: it gets smaller to fit the box instead.
            wrapMode: Text.NoWrap
            fontSizeMode: Text.HorizontalFit
            minimumPixelSize: Theme.small
            font.family: Theme.fontFamily
            font.pixelSize: Math.round(Theme.body * 1.15)
            font.letterSpacing: narrow ? 0 : 2
            color: f.value || f.kind === "date" ? Theme.text : Theme.muted
            text: f.value || f.kind === "date" ? f.grouped(f.value) : (f.kind === "code" ? "点这里，用下方按键输入" : "点这里，用下方数字键输入")
        }
    }
    FieldProblem { visible: !f.own && message !== ""; path: f.path; width: f.width }
    ProblemLine { objectName: "problem:" + f.path; visible: f.own && f.problem !== ""; text: f.problem; width: f.width }
}
