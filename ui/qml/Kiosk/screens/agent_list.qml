pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// 我办理的 (ui/agents.py): every submission this agent made at this terminal, newest first:
// the villager's name masked, what and which category, the receipt number in groups, the
// state in words (等待发送 N 天 / 已送达 with the case number), when the station last heard
// from the platform, and 重新打印回执. Nothing of what a petition says: the terminal keeps
// none of it readable.
StepPage {
    id: s
    InfoBox { objectName: "agentReached"; text: Agents.reached; iconName: "clock" }
    ProblemLine { objectName: "agentPrintMessage"; visible: text !== ""; width: parent.width; text: Agents.printMessage }
    BodyText {
        visible: Agents.rows.length === 0 && Agents.reached !== ""
        width: parent.width
        text: "您在本机还没有替村民办理过事项。"
    }
    Repeater {
        model: Agents.rows
        delegate: Rectangle {
            id: card
            required property var modelData
            objectName: "agentRow:" + modelData.receipt_no
            width: parent ? parent.width : 0
            height: cardCol.implicitHeight + 2 * Theme.gap
            color: Theme.surface
            radius: Theme.radius
            border.color: modelData.state === "delivered" || modelData.state === "purged" ? Theme.line : Theme.blue
            border.width: 2
            Column {
                id: cardCol
                x: Theme.gap; y: Theme.gap; width: parent.width - 2 * Theme.gap
                spacing: Math.round(Theme.gap / 3)
                BodyText { width: parent.width; font.bold: true
                           text: card.modelData.applicant + "　" + card.modelData.kind + "　" + card.modelData.category }
                BodyText { width: parent.width; text: "回执编号 " + card.modelData.receipt_display }
                BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: card.modelData.state_words }
                ActionButton {
                    objectName: "btn:reprint:" + card.modelData.receipt_no
                    visible: Agents.canPrint
                    iconName: "document"
                    text: "重新打印回执"
                    onClicked: Agents.reprint(card.modelData.receipt_no)
                }
            }
        }
    }
}
