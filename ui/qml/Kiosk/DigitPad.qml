pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// The large digit pad, docked where the keyboard appears.
Rectangle {
    id: pad
    property DigitField target: null  // the field it types into
    property bool side: false  // docked at the right of a landscape screen
    color: "#DCE3EE"
    readonly property int keyH: Math.round(Theme.target * 1.1)
    implicitHeight: grid.implicitHeight + 2 * Theme.gap
    implicitWidth: grid.implicitWidth + 2 * Theme.gap
    Rectangle { visible: pad.side; width: 2; height: parent.height; color: Theme.line }
    Grid {
        id: grid
        anchors.centerIn: parent
        columns: 4
        spacing: Theme.gap
        readonly property int keyW: pad.side ? Math.round(Theme.target * 1.6)
                                             : Math.min(Math.round(Theme.target * 2.4),
                                                        Math.floor((pad.width - 5 * Theme.gap) / 4))
        Repeater {
            model: ["1", "2", "3", "⌫", "4", "5", "6", "清空", "7", "8", "9", "", "X", "0", "", "完成"]
            delegate: ActionButton {
                required property string modelData
                readonly property bool isX: modelData === "X"
                width: grid.keyW
                height: pad.keyH
                readonly property bool used: modelData !== "" && (!isX || (pad.target && pad.target.allowX))
                opacity: used ? 1 : 0  // keeps its cell, so keys never move
                enabled: used
                text: modelData === "⌫" ? "退格" : modelData
                iconName: modelData === "⌫" ? "backspace" : ""
                // A narrow key keeps the word 退格 on one line and drops the icon.
                noIcon: grid.keyW < Math.round(Theme.target * 2.3)
                primary: modelData === "完成"
                textSize: modelData.length === 1 && modelData !== "⌫" ? Math.round(Theme.body * 1.4) : Theme.body
                objectName: "key:" + modelData
                onClicked: {
                    if (!pad.target) return
                    if (modelData === "⌫") pad.target.backspace()
                    else if (modelData === "清空") { pad.target.value = ""; pad.target.store() }
                    else if (modelData === "完成") Shell.closePad()
                    else pad.target.press(modelData)
                }
            }
        }
    }
}
