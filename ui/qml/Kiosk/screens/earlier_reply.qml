import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    readonly property bool online: Session.answer("matter.earlier_reply.online").value === true
    readonly property string doc: Session.replyDocument
    // Before the citizen starts: what this terminal cannot photograph, what to bring, where.
    InfoBox { objectName: "materialNotice"; iconName: "camera"; text: Session.materialNotice }
    BodyText { width: parent.width; font.bold: true; text: s.doc + "是怎么收到的？" }
    Choices {
        path: "matter.earlier_reply.online"
        columns: 2
    }
    Field { path: "matter.earlier_reply.number"; label: s.doc + "上的编号"; placeholder: "例如：演信复〔2026〕12号" }
    DigitField {
        path: "matter.earlier_reply.received_on"
        kind: "date"
        label: s.online ? "第一次在网上打开答复的日期" : "收到" + s.doc + "的日期"
    }
    BodyText { width: parent.width; font.bold: true; text: s.doc + "上有没有告诉您申请期限和途径？" }
    Choices {
        path: "matter.earlier_reply.informed_of_limit"
        columns: 2
    }
    DigitField {
        visible: Session.applies.known_on
        path: "matter.earlier_reply.known_on"
        kind: "date"
        label: "您是哪天知道申请期限的？（记不清可以不填）"
    }
    InfoBox { iconName: "clock"; text: Session.deadlineText }
}
