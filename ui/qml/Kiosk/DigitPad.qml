pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// The large digit pad, docked where the keyboard appears. For a query code (kind "code")
// it shows exactly the code's characters — digits 2-9 and the letters without I, L, O —
// so a look-alike cannot be typed; more keys, so a little smaller (still ≥ the targets).
Rectangle {
    id: pad
    property DigitField target: null  // the field it types into
    property bool side: false  // docked at the right of a landscape screen
    color: "#DCE3EE"
    readonly property bool letters: target !== null && target.kind === "code"
    readonly property var digitKeys: ["1", "2", "3", "⌫", "4", "5", "6", "清空", "7", "8", "9", "", "X", "0", "", "完成"]
    readonly property var codeKeys: Session.digitEntry["code"].keys.split("").concat(["⌫", "清空", "完成"])
    readonly property int columns: letters ? (side ? (Session.elderly ? 7 : 6) : (Session.elderly ? 6 : 7)) : 4
    readonly property int keyH: letters ? Math.round(Theme.target * (Session.elderly ? 0.8 : 1.0))
                                        : Math.round(Theme.target * 1.1)
    implicitHeight: grid.implicitHeight + 2 * Theme.gap
    implicitWidth: grid.implicitWidth + 2 * Theme.gap
    Rectangle { visible: pad.side; width: 2; height: parent.height; color: Theme.line }
    Grid {
        id: grid
        anchors.centerIn: parent
        columns: pad.columns
        spacing: Theme.gap
        readonly property int keyW: pad.side ? (pad.letters ? pad.keyH : Math.round(Theme.target * 1.6))
                                             : Math.min(Math.round(Theme.target * 2.4),
                                                        Math.floor((pad.width - (pad.columns + 1) * Theme.gap) / pad.columns))
        Repeater {
            model: pad.letters ? pad.codeKeys : pad.digitKeys
            delegate: ActionButton {
                required property string modelData
                readonly property bool isX: modelData === "X" && !pad.letters  // a code has an X of its own
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
                textSize: modelData.length === 1 && modelData !== "⌫" ? Math.round(Theme.body * 1.4)
                                                                   : (pad.letters ? Theme.small : Theme.body)
                // The code pad's keys are narrower: 退格, 清空 and 完成 keep one line.
                leftPadding: pad.letters ? Math.round(Theme.gap / 4) : Math.round(Theme.pad * 0.75)
                rightPadding: leftPadding
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
