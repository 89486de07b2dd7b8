import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// The one button: large, an icon with a text label, blue for the main action.
Button {
    id: b
    property string iconName: ""
    property bool primary: false
    property bool selected: false
    property bool danger: false  // an action that ends something (red outline and label)
    property bool vertical: false  // icon above the label (tiles)
    property string hint: ""
    property int textSize: Theme.body
    property int iconSize: Theme.icon
    property real minWidth: Theme.target
    readonly property color fg: primary ? "#FFFFFF" : (danger ? Theme.red : Theme.blue)

    leftPadding: Math.round(Theme.pad * 0.75)
    rightPadding: Math.round(Theme.pad * 0.75)
    topPadding: Math.round(Theme.gap * 0.6)
    bottomPadding: Math.round(Theme.gap * 0.6)
    implicitHeight: Math.max(Theme.target, contentItem.implicitHeight + topPadding + bottomPadding)
    implicitWidth: Math.max(minWidth, contentItem.implicitWidth + leftPadding + rightPadding)
    font.family: Theme.fontFamily
    font.pixelSize: textSize
    font.bold: primary
    focusPolicy: Qt.NoFocus  // a tap must not take focus (and the keyboard) from a field

    background: Rectangle {
        radius: Theme.radius
        color: b.primary ? (b.down ? "#082D6B" : Theme.blue)
                         : (b.selected || b.down ? Theme.blueLight : Theme.surface)
        border.color: b.danger ? Theme.red : (b.primary || b.selected ? Theme.blue : Theme.line)
        border.width: b.selected ? Math.round(5 * Theme.scale) : (b.danger ? Math.round(4 * Theme.scale) : 2)
    }
    property bool noIcon: false
    readonly property bool showIcon: !noIcon && (iconName !== "" || (selected && !vertical))
    readonly property int iconSpace: showIcon ? iconSize + Math.round(Theme.gap * 0.6) : 0
    readonly property real naturalText: Math.max(label.implicitWidth, hint !== "" ? hintText.implicitWidth : 0)
    contentItem: Item {
        implicitWidth: b.vertical ? Math.max(b.iconSize, b.naturalText) : b.iconSpace + b.naturalText
        implicitHeight: b.vertical ? (b.showIcon ? b.iconSize + 8 : 0) + texts.implicitHeight
                                   : Math.max(b.showIcon ? b.iconSize : 0, texts.implicitHeight)
        readonly property real textRoom: b.vertical ? width : Math.max(0, width - b.iconSpace)
        readonly property real textW: Math.min(b.naturalText, textRoom)
        Icon {
            id: icon
            visible: b.showIcon
            name: b.selected && !b.vertical && b.iconName.indexOf("box") !== 0 ? "check" : b.iconName
            color: b.fg
            size: b.iconSize
            x: b.vertical ? (parent.width - width) / 2 : (parent.width - b.iconSpace - parent.textW) / 2
            y: b.vertical ? (parent.height - parent.implicitHeight) / 2 : (parent.height - height) / 2
        }
        Column {
            id: texts
            spacing: 4
            width: parent.textW
            x: b.vertical ? (parent.width - width) / 2 : icon.x + b.iconSpace
            y: b.vertical ? icon.y + (b.showIcon ? b.iconSize + 8 : 0) : (parent.height - height) / 2
            WrappedText {
                id: label
                width: parent.width
                text: b.text
                font: b.font
                color: b.fg
                wrapMode: Text.Wrap
                horizontalAlignment: b.vertical ? Text.AlignHCenter : Text.AlignLeft
                lineHeight: 1.3
            }
            WrappedText {
                id: hintText
                visible: b.hint !== ""
                width: parent.width
                text: b.hint
                font.family: Theme.fontFamily
                font.pixelSize: Theme.small
                color: b.primary ? "#FFFFFF" : Theme.muted
                wrapMode: Text.Wrap
                horizontalAlignment: b.vertical ? Text.AlignHCenter : Text.AlignLeft
                lineHeight: 1.3
            }
        }
    }
}
