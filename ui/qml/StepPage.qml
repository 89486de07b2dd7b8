import QtQuick
import QtQuick.Controls.Basic

// A flow screen: heading, spoken prompt, general problems, then the screen's content.
Flickable {
    id: page
    default property alias content: body.data
    property bool showHeading: true
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    Component.onCompleted: win.currentFlick = page

    Column {
        id: col
        x: Math.max(theme.pad, (page.width - win.contentMax) / 2)
        y: theme.pad
        width: page.width - 2 * x
        spacing: theme.gap
        Text {
            visible: page.showHeading
            width: col.width
            text: session.title
            font.family: theme.fontFamily
            font.pixelSize: theme.heading
            font.bold: true
            color: theme.blue
            wrapMode: Text.Wrap
            lineHeight: 1.3
        }
        Label2 { visible: page.showHeading; width: col.width; text: session.prompt; color: theme.muted }
        Repeater {
            model: session.general
            delegate: Rectangle {
                required property string modelData
                width: col.width
                height: gp.implicitHeight + theme.gap
                color: theme.surface
                border.color: theme.red
                border.width: 3
                radius: theme.radius
                ProblemLine { id: gp; x: theme.gap / 2; y: theme.gap / 2; width: parent.width - theme.gap; text: modelData }
            }
        }
        Column {
            id: body
            width: col.width
            spacing: theme.gap
        }
    }
}
