pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// One answer picked from large tiles; the chosen one has a thick border and a tick.
// The tiles are the choices the core offers for the field (kiosk/choices.py).
Column {
    id: c
    property string path
    readonly property Answer answer: Session.answer(path)
    property int columns: 1
    // No more columns than tiles of seven characters fit: beside an open pad the page is
    // narrow, and a tile one character wide reads as a column of characters.
    readonly property int fitColumns: Math.max(1, Math.min(columns, Math.floor((width + Theme.gap) / (Theme.body * 7 + Theme.gap))))
    property bool vertical: false
    property int iconSize: Theme.icon  // larger for a picture of the thing chosen (kind.qml)
    width: parent ? parent.width : 600
    spacing: Math.round(Theme.gap / 2)
    signal picked(var code)
    // 下一步 with this question unanswered brings it into view, wherever it is on the page.
    Connections {
        target: Session
        function onFocusField(p) { if (p === c.path && c.visible) Shell.reveal(c) }
    }
    Grid {
        id: g
        columns: c.fitColumns
        spacing: Theme.gap
        width: c.width
        Repeater {
            model: c.answer.options
            delegate: ActionButton {
                required property var modelData
                width: (c.width - (c.fitColumns - 1) * Theme.gap) / c.fitColumns
                text: modelData.label
                hint: modelData.hint
                iconName: modelData.icon
                vertical: c.vertical
                iconSize: c.iconSize
                selected: c.answer.value === modelData.code
                objectName: "choice:" + c.path + ":" + modelData.code
                onClicked: { Session.setValue(c.path, modelData.code); c.picked(modelData.code) }
            }
        }
    }
    FieldProblem { path: c.path; width: c.width }
}
