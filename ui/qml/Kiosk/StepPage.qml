pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// A flow screen: heading, spoken prompt, general problems, then the screen's content.
Flickable {
    id: page
    default property alias content: body.data
    property bool showHeading: true
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * Theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    // Wherever the page goes on below the screen: a scroll bar that stays visible, and a
    // large "下面还有内容" at the bottom that scrolls down when tapped (gone at the end).
    readonly property bool more: contentHeight - contentY - height > Theme.gap
    readonly property int cueRoom: cue.room  // what the cue covers
    ScrollIndicator.vertical: ScrollIndicator {
        active: page.contentHeight > page.height
        contentItem: Rectangle {
            implicitWidth: Math.round(Theme.gap / 2)
            radius: width / 2
            color: Theme.line
        }
    }
    Component.onCompleted: Shell.currentFlick = page
    function scrollDown() { cue.clicked() }
    ScrollCue { id: cue; flick: page }

    Column {
        id: col
        // Beside a pad in 大字 landscape the page is narrow: half the margin, so a whole ID
        // number still fits in its field.
        x: Shell.landscape && Session.elderly && (Shell.inkTarget || Shell.digitTarget)
           ? Math.round(Theme.pad / 2) : Math.max(Theme.pad, (page.width - Shell.contentMax) / 2)
        y: Theme.pad
        width: page.width - 2 * x
        spacing: Theme.gap
        Text {  // 第 n 步 / 共 m 步, when the header has no room for it (大字 on a portrait screen)
            objectName: "pageStep"
            visible: Shell.stepInPage && Session.stepText !== ""
            width: col.width
            text: Session.stepText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.body
            font.bold: true
            color: Theme.blue
        }
        WrappedText {
            visible: page.showHeading
            width: col.width
            text: Session.title
            font.family: Theme.fontFamily
            font.pixelSize: Theme.heading
            font.bold: true
            color: Theme.blue
            lineHeight: 1.3
        }
        BodyText { visible: page.showHeading; width: col.width; text: Session.prompt; color: Theme.muted }
        Repeater {
            model: Session.general
            delegate: Rectangle {
                id: generalProblem
                required property string modelData
                width: col.width
                height: gp.implicitHeight + Theme.gap
                color: Theme.surface
                border.color: Theme.red
                border.width: 3
                radius: Theme.radius
                ProblemLine { id: gp; x: Theme.gap / 2; y: Theme.gap / 2; width: parent.width - Theme.gap; text: generalProblem.modelData }
            }
        }
        Column {
            id: body
            width: col.width
            spacing: Theme.gap
        }
    }
}
