import QtQuick
import Kiosk.ViewModels

// "下面还有内容": on a page (`flick`) that goes on below the screen, a large cue at its
// bottom that scrolls on when tapped; gone at the end. The page says how much of its
// bottom the cue covers (`cueRoom`), so nothing is taken for in view under it.
ActionButton {
    id: cue
    required property Flickable flick
    readonly property int room: visible ? height + Theme.gap : 0
    objectName: "scrollCue"
    parent: flick
    visible: flick.contentHeight - flick.contentY - flick.height > Theme.gap
    anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: Math.round(Theme.gap / 2) }
    z: 10
    text: "下面还有内容"
    hint: "点这里往下看"
    onClicked: flick.contentY = Math.min(flick.contentY + Math.round(flick.height * 0.75),
                                         Math.max(0, flick.contentHeight - flick.height))
}
