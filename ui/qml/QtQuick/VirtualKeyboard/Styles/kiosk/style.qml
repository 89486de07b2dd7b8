import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Styles
import Kiosk.ViewModels

// The kiosk's own keyboard style (QT_VIRTUALKEYBOARD_STYLE=kiosk, set by ui/env.py): the
// light look of the screens around it, every key a word or a letter in the theme's font
// and colours (no icon whose meaning must be guessed), sizes from the Theme, so 大字 grows
// the labels as it grows everything else. How large the keys are is the panel's width and
// keyboardDesignHeight / keyboardDesignWidth, which Main.qml sets per canvas.
KeyboardStyle {
    id: kioskStyle

    // Room between two key faces (UX.md: targets 16 px apart): the whole cell takes the
    // touch, the faces stand apart.
    readonly property int keyGap: 16
    readonly property color panelColor: "#DCE3EE"  // the digit pad's, so both read as one thing
    readonly property color letterKeyColor: Theme.surface
    readonly property color functionKeyColor: Theme.blueLight
    readonly property color pressedKeyColor: "#C4D3EA"

    keyboardDesignWidth: 1080
    keyboardDesignHeight: 600
    // No outer margin: nine cells of 120 px fill a 1080 px canvas exactly in 大字.
    keyboardRelativeLeftMargin: 0
    keyboardRelativeRightMargin: 0
    keyboardRelativeTopMargin: 0
    keyboardRelativeBottomMargin: 0

    keyboardBackground: Rectangle { color: kioskStyle.panelColor }

    // One panel for every key: the key's word (or letter) centred on its face. A function
    // key (删除, 符号, 英文, 收起键盘 …) is light blue with blue words; a letter white with
    // black; a key that is on (大写) has the blue border of a chosen tile.
    component LabelPanel: KeyPanel {
        id: panel
        readonly property bool letter: control ? !control.functionKey && control.displayText.length === 1 : false
        readonly property bool on: control ? control.keyType === QtVirtualKeyboard.KeyType.ShiftKey
                                             && InputContext.shiftActive : false
        Rectangle {
            id: face
            anchors.fill: parent
            anchors.margins: Math.round(kioskStyle.keyGap / 2)
            radius: Theme.radius
            color: panel.control && panel.control.pressed ? kioskStyle.pressedKeyColor
                   : (panel.letter || (panel.control && panel.control.keyType === QtVirtualKeyboard.KeyType.SpaceKey)
                      ? kioskStyle.letterKeyColor : kioskStyle.functionKeyColor)
            border.width: panel.on ? Math.round(4 * Theme.scale) : 2
            border.color: panel.on ? Theme.blue : Theme.line
            opacity: panel.control && panel.control.enabled ? 1 : 0.45
            Text {
                anchors.fill: parent
                anchors.leftMargin: 4
                anchors.rightMargin: 4
                text: panel.control ? panel.control.displayText : ""
                color: panel.letter || (panel.control && panel.control.keyType === QtVirtualKeyboard.KeyType.SpaceKey)
                       ? Theme.text : Theme.blue
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
                font.family: Theme.fontFamily
                // Letters a little under a heading, so g, j, p, q, y keep their tails on
                // the face; a word shrinks to fit a narrow key, never under the small size.
                font.pixelSize: panel.letter ? Math.round(Theme.heading * 0.85) : Theme.body
                fontSizeMode: Text.HorizontalFit
                minimumPixelSize: Theme.small
                font.bold: !panel.letter
                font.capitalization: panel.control && panel.control.uppercased ? Font.AllUppercase : Font.MixedCase
            }
        }
    }

    keyPanel: LabelPanel {}
    backspaceKeyPanel: LabelPanel {}
    languageKeyPanel: LabelPanel {}
    enterKeyPanel: LabelPanel {}
    hideKeyPanel: LabelPanel {}
    shiftKeyPanel: LabelPanel {}
    spaceKeyPanel: LabelPanel {}
    symbolKeyPanel: LabelPanel {}
    modeKeyPanel: LabelPanel {}
    handwritingKeyPanel: LabelPanel {}

    // The letter being pressed, shown large above the finger.
    characterPreviewMargin: 0
    characterPreviewDelegate: Item {
        property string text
        property string flickLeft
        property string flickTop
        property string flickRight
        property string flickBottom
        id: characterPreview
        Rectangle {
            anchors.fill: parent
            color: Theme.blue
            radius: Theme.radius
            Text {
                anchors.centerIn: parent
                text: characterPreview.text
                color: "#FFFFFF"
                font.family: Theme.fontFamily
                font.pixelSize: Math.round(Theme.heading * 1.3)
            }
        }
    }

    // A long press (。 and its other marks): the choices in a blue strip.
    alternateKeysListItemWidth: Theme.target
    alternateKeysListItemHeight: Theme.target
    alternateKeysListDelegate: Item {
        id: alternateKeysListItem
        width: kioskStyle.alternateKeysListItemWidth
        height: kioskStyle.alternateKeysListItemHeight
        Text {
            text: model.text
            color: "#FFFFFF"
            font.family: Theme.fontFamily
            font.pixelSize: Theme.heading
            anchors.centerIn: parent
        }
    }
    alternateKeysListHighlight: Rectangle { color: "#082D6B"; radius: Theme.radius }
    alternateKeysListBackground: Item {
        Rectangle {
            readonly property int margin: Math.round(Theme.gap / 2)
            x: -margin
            y: -margin
            width: parent.width + 2 * margin
            height: parent.height + 2 * margin
            radius: Theme.radius
            color: Theme.blue
        }
    }

    // The candidates of what is typed in 拼音: touch targets of UX.md's size (88, 大字 120),
    // no taller, so the text being typed keeps its room above the keyboard.
    selectionListHeight: Theme.scale > 1 ? 120 : 90
    selectionListDelegate: SelectionListItem {
        id: selectionListItem
        width: Math.max(Theme.target, Math.round(selectionListLabel.width + 2 * Theme.gap))
        Text {
            id: selectionListLabel
            anchors.centerIn: parent
            text: display
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.heading
        }
        Rectangle {
            width: 2
            height: Math.round(parent.height * 0.5)
            color: Theme.line
            anchors.verticalCenter: parent.verticalCenter
            anchors.right: parent.left
        }
    }
    selectionListBackground: Rectangle { color: Theme.surface }
    selectionListAdd: Transition {}
    selectionListRemove: Transition {}

    navigationHighlight: Rectangle {
        color: "transparent"
        border.color: Theme.blue
        border.width: Math.round(4 * Theme.scale)
    }

    popupListDelegate: SelectionListItem {
        id: popupListItem
        width: Math.max(Theme.target, popupListLabel.width + 2 * Theme.gap)
        height: Theme.target
        Text {
            id: popupListLabel
            anchors.centerIn: parent
            text: display
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.heading
        }
    }
    popupListBackground: Rectangle { color: Theme.surface; border.width: 2; border.color: Theme.line }
    popupListAdd: Transition {}
    popupListRemove: Transition {}

    // 英文 / 中文 switches at once: two languages need no list to choose from.
    languagePopupListEnabled: false
}
