import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// A text field typed with the Pinyin keyboard: label, box, and its problem under it.
Column {
    id: f
    property string path
    property string label
    property bool multiline: false
    property string placeholder: ""
    property int lines: 3
    readonly property Item input: multiline ? area : line
    readonly property Item box: boxRect
    readonly property int lineBox: Math.round(Theme.body * 1.35)
    readonly property int naturalBox: f.multiline ? lineBox * f.lines + 2 * Theme.gap
                                                  : Math.max(Theme.target, line.implicitHeight + Theme.gap)
    // While typed in with the keyboard up, the box fits the room above it (never under 3 lines).
    readonly property bool squeezed: f.multiline && (area.activeFocus && Shell.keyboardOpen || f.inked)
    width: parent ? parent.width : 600
    spacing: Math.round(Theme.gap / 2)

    function load() {
        var v = Session.value(f.path)
        var s = (v === undefined || v === null) ? "" : String(v)
        if (f.multiline) {
            if (area.text !== s) area.text = s
        } else if (line.text !== s) {
            line.text = s
        }
    }
    Component.onCompleted: load()
    readonly property bool inked: Shell.inkTarget === f
    // 手写: a character at the cursor; 删除: the one before it.
    function insertText(text: string) {
        if (f.multiline) area.insert(area.cursorPosition, text)
        else line.insert(line.cursorPosition, text)
    }
    function deleteBefore() {
        let at = f.multiline ? area.cursorPosition : line.cursorPosition
        if (at <= 0) return
        if (f.multiline) area.remove(at - 1, at); else line.remove(at - 1, at)
    }
    // Focus: the keyboard, or the handwriting pad once the citizen chose 手写.
    function focused() {
        Shell.closePad()
        Shell.textTarget = f
        if (Shell.inkPreferred) Shell.openInk(f)
        else Shell.reveal(f)
    }
    Connections {
        target: Session
        function onValuesReset() { f.load() }
        function onFocusField(p) {
            if (p === f.path) {
                f.input.forceActiveFocus()
                Shell.reveal(f)
            }
        }
    }

    BodyText { id: labelText; text: f.label; font.bold: true; width: f.width }
    Rectangle {
        id: boxRect
        width: f.width
        height: f.squeezed ? Math.max(f.lineBox * 3 + 2 * Theme.gap,
                                      Math.min(f.naturalBox, Shell.typingRoom - labelText.height - f.spacing))
                           : f.naturalBox
        radius: Theme.radius
        color: Theme.surface
        border.width: f.input.activeFocus || f.inked ? Math.round(4 * Theme.scale) : 2
        border.color: Session.problems[f.path] ? Theme.red : (f.input.activeFocus || f.inked ? Theme.blue : Theme.line)

        TextField {
            id: line
            visible: !f.multiline
            anchors.fill: parent
            anchors.margins: 4
            font.family: Theme.fontFamily
            font.pixelSize: Theme.body
            color: Theme.text
            placeholderText: f.placeholder
            placeholderTextColor: Theme.muted
            background: null
            leftPadding: Theme.gap
            // Lock-down: no selection handles, no edit menu (cut / copy / paste) on a long press.
            selectByMouse: false
            persistentSelection: false
            ContextMenu.menu: null
            onTextChanged: Session.setValue(f.path, text)
            onActiveFocusChanged: if (activeFocus) f.focused()
            objectName: "field:" + f.path
        }
        Flickable {
            id: areaFlick
            visible: f.multiline
            anchors.fill: parent
            anchors.margins: 4
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            TextArea.flickable: TextArea {
                id: area
                font.family: Theme.fontFamily
                font.pixelSize: Theme.body
                color: Theme.text
                wrapMode: TextEdit.Wrap
                placeholderText: f.placeholder
                placeholderTextColor: Theme.muted
                background: null
                leftPadding: Theme.gap
                topPadding: Math.round(Theme.gap / 2)
                selectByMouse: false
                persistentSelection: false
                ContextMenu.menu: null
                onTextChanged: Session.setValue(f.path, text)
                onActiveFocusChanged: if (activeFocus) f.focused()
                objectName: "area:" + f.path
            }
        }
    }
    FieldProblem { path: f.path; width: f.width }
}
