pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// 代办员登录 (ui/agents.py): the agent taps their name (masked: others stand at the screen
// too), types the PIN on the keys here (one dot a digit, never the digits), and 登录.
// Wrong PINs lock out as the technician's do, said in words with the wait. Landscape: the
// names and what is typed at the left, the keys at the right, so nothing scrolls.
StepPage {
    id: s
    Grid {
        id: layout
        width: parent.width
        columns: Shell.landscape ? 2 : 1
        columnSpacing: 2 * Theme.gap
        rowSpacing: Theme.gap
        readonly property int half: Shell.landscape ? Math.floor((width - columnSpacing) / 2) : width
        Column {
            width: layout.half
            spacing: Theme.gap
            BodyText { width: parent.width; font.bold: true; text: "1. 点一下您的名字" }
            Repeater {
                model: Agents.roster
                delegate: ActionButton {
                    required property var modelData
                    objectName: "agent:" + modelData.agentId
                    width: layout.half
                    selected: Agents.chosen === modelData.agentId
                    iconName: selected ? "check" : "person"
                    text: "代办员 " + modelData.name
                    hint: modelData.station
                    onClicked: Agents.choose(modelData.agentId)
                }
            }
            BodyText { width: parent.width; font.bold: true; text: "2. 输入您的密码" }
            Rectangle {
                objectName: "agentPinDots"
                width: parent.width
                height: Math.round(Theme.target * 1.1)
                radius: Theme.radius
                color: Theme.surface
                border.width: 2
                border.color: Theme.line
                Text {
                    anchors.centerIn: parent
                    text: Agents.pinLength > 0 ? "●".repeat(Agents.pinLength) : ""
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.heading
                    color: Theme.text
                }
            }
            ProblemLine {
                objectName: "agentSignInMessage"
                visible: text !== ""
                width: parent.width
                text: Agents.busy ? "正在核对……" : Agents.message
            }
            ActionButton {
                visible: Shell.landscape
                width: parent.width
                primary: true
                iconName: "check"
                text: "登录"
                objectName: "btn:agentSignInOk"
                enabled: !Agents.busy && Agents.pinLength > 0 && Agents.chosen !== ""
                onClicked: Agents.signIn()
            }
        }
        Column {
            width: layout.half
            spacing: Theme.gap
            Grid {
                id: keys
                width: parent.width
                columns: 3
                spacing: Theme.gap
                Repeater {
                    model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除"]
                    delegate: ActionButton {
                        required property string modelData
                        objectName: "agentPin:" + modelData
                        width: Math.floor((keys.width - 2 * keys.spacing) / 3)
                        height: Math.round(Theme.target * 1.1)
                        enabled: !Agents.busy
                        text: modelData
                        textSize: modelData.length === 1 ? Math.round(Theme.body * 1.4) : Theme.body
                        onClicked: {
                            if (modelData === "清空") Agents.clearPin()
                            else if (modelData === "删除") Agents.backspace()
                            else Agents.pressDigit(modelData)
                        }
                    }
                }
            }
            ActionButton {
                visible: !Shell.landscape
                width: parent.width
                primary: true
                iconName: "check"
                text: "登录"
                objectName: "btn:agentSignInOk"
                enabled: !Agents.busy && Agents.pinLength > 0 && Agents.chosen !== ""
                onClicked: Agents.signIn()
            }
        }
    }
}
