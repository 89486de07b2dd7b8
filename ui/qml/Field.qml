import QtQuick
import QtQuick.Controls.Basic

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
    readonly property int lineBox: Math.round(theme.body * 1.35)
    readonly property int naturalBox: f.multiline ? lineBox * f.lines + 2 * theme.gap
                                                  : Math.max(theme.target, line.implicitHeight + theme.gap)
    // While typed in with the keyboard up, the box fits the room above it (never under 3 lines).
    readonly property bool squeezed: f.multiline && area.activeFocus && win.keyboardOpen
    width: parent ? parent.width : 600
    spacing: Math.round(theme.gap / 2)

    function load() {
        var v = session.value(f.path)
        var s = (v === undefined || v === null) ? "" : String(v)
        if (f.input.text !== s)
            f.input.text = s
    }
    Component.onCompleted: load()
    Connections {
        target: session
        function onValuesReset() { f.load() }
        function onFocusField(p) {
            if (p === f.path) {
                f.input.forceActiveFocus()
                win.reveal(f)
            }
        }
    }

    Label2 { id: labelText; text: f.label; font.bold: true; width: f.width }
    Rectangle {
        id: boxRect
        width: f.width
        height: f.squeezed ? Math.max(f.lineBox * 3 + 2 * theme.gap,
                                      Math.min(f.naturalBox, win.typingRoom - labelText.height - f.spacing))
                           : f.naturalBox
        radius: theme.radius
        color: theme.surface
        border.width: f.input.activeFocus ? Math.round(4 * theme.scale) : 2
        border.color: session.problems[f.path] ? theme.red : (f.input.activeFocus ? theme.blue : theme.line)

        TextField {
            id: line
            visible: !f.multiline
            anchors.fill: parent
            anchors.margins: 4
            font.family: theme.fontFamily
            font.pixelSize: theme.body
            color: theme.text
            placeholderText: f.placeholder
            placeholderTextColor: theme.muted
            background: null
            leftPadding: theme.gap
            // Lock-down: no selection handles, no edit menu (cut / copy / paste) on a long press.
            selectByMouse: false
            persistentSelection: false
            ContextMenu.menu: null
            onTextChanged: session.setValue(f.path, text)
            onActiveFocusChanged: if (activeFocus) { win.closePad(); win.reveal(f) }
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
                font.family: theme.fontFamily
                font.pixelSize: theme.body
                color: theme.text
                wrapMode: TextEdit.Wrap
                placeholderText: f.placeholder
                placeholderTextColor: theme.muted
                background: null
                leftPadding: theme.gap
                topPadding: Math.round(theme.gap / 2)
                selectByMouse: false
                persistentSelection: false
                ContextMenu.menu: null
                onTextChanged: session.setValue(f.path, text)
                onActiveFocusChanged: if (activeFocus) { win.closePad(); win.reveal(f) }
                objectName: "area:" + f.path
            }
        }
    }
    ProblemText { path: f.path; width: f.width }
}
