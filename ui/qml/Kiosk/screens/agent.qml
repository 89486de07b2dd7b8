import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: "代理人（您自己）的身份" }
    PersonForm { prefix: "agent" }
    BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: "授权委托书上的内容" }
    Field { path: "agent.authorisation.matters"; label: Session.answer(path).label; multiline: true; lines: 2 }
    Field { path: "agent.authorisation.powers"; label: Session.answer(path).label; multiline: true; lines: 2 }
    DigitField { path: "agent.authorisation.valid_from"; label: Session.answer(path).label; kind: "date" }
    DigitField { path: "agent.authorisation.valid_until"; label: Session.answer(path).label; kind: "date" }
}
