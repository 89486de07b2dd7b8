import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: "代理人（您自己）的身份" }
    PersonForm { prefix: "agent" }
    BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: "授权委托书上的内容" }
    Field { path: "agent.authorisation.matters"; label: "委托事项"; multiline: true; lines: 2 }
    Field { path: "agent.authorisation.powers"; label: "委托权限"; multiline: true; lines: 2 }
    DigitField { path: "agent.authorisation.valid_from"; label: "委托开始日期"; kind: "date" }
    DigitField { path: "agent.authorisation.valid_until"; label: "委托截止日期"; kind: "date" }
}
