import QtQuick
import Kiosk.ViewModels

// "下面还有内容": on a page (`flick`) that goes on below the screen, a band across its
// bottom that scrolls on when tapped; gone at the end. A band, not a floating button: it
// covers no half of a tile or a line of text, and it reads as the end of what is in view.
// The page says how much of its bottom the band covers (`cueRoom`), so nothing is taken
// for in view under it.
ActionButton {
    id: cue
    required property Flickable flick
    readonly property int room: visible ? height : 0
    objectName: "scrollCue"
    parent: flick
    visible: flick.contentHeight - flick.contentY - flick.height > Theme.gap
    anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
    z: 10
    iconName: "arrow-down"
    // One line: the whole sentence where it fits, else its first half.
    text: fullWidth.width + iconSize + Theme.gap + leftPadding + rightPadding <= width
          ? fullWidth.text : "下面还有内容"
    TextMetrics { id: fullWidth; font: cue.font; text: "下面还有内容，点这里往下看" }
    background: Rectangle {
        color: cue.down ? Theme.blueLight : Theme.surface
        Rectangle { width: parent.width; height: Math.max(2, Math.round(3 * Theme.scale)); color: Theme.blue }
    }
    onClicked: flick.contentY = Math.min(flick.contentY + Math.round((flick.height - room) * 0.8),
                                         Math.max(0, flick.contentHeight - flick.height))
}
