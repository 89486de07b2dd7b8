import QtQuick

// One answer picked from large tiles; the chosen one has a thick border and a tick.
Column {
    id: c
    property string path
    property var options: []  // [{code, label, hint, icon}]
    property int columns: 1
    property bool vertical: false
    property bool boolValues: false
    width: parent ? parent.width : 600
    spacing: Math.round(theme.gap / 2)
    signal picked(var code)
    Grid {
        id: g
        columns: c.columns
        spacing: theme.gap
        width: c.width
        Repeater {
            model: c.options
            delegate: Btn {
                required property var modelData
                width: (c.width - (c.columns - 1) * theme.gap) / c.columns
                text: modelData.label
                hint: modelData.hint || ""
                iconName: modelData.icon || ""
                vertical: c.vertical
                selected: session.edits >= 0 && session.value(c.path) === modelData.code
                objectName: "choice:" + c.path + ":" + modelData.code
                onClicked: { session.setValue(c.path, modelData.code); c.picked(modelData.code) }
            }
        }
    }
    ProblemText { path: c.path; width: c.width }
}
