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
    property bool vertical: false
    property int iconSize: Theme.icon  // larger for a picture of the thing chosen (kind.qml)
    width: parent ? parent.width : 600
    spacing: Math.round(Theme.gap / 2)
    signal picked(var code)
    Grid {
        id: g
        columns: c.columns
        spacing: Theme.gap
        width: c.width
        Repeater {
            model: c.answer.options
            delegate: ActionButton {
                required property var modelData
                width: (c.width - (c.columns - 1) * Theme.gap) / c.columns
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
