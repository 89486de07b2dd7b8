import QtQuick
import ".."

StepPage {
    id: s
    readonly property bool online: session.edits >= 0 && session.value("matter.earlier_reply.online") === true
    readonly property bool uninformed: session.edits >= 0 && session.value("matter.earlier_reply.informed_of_limit") === false
    readonly property string doc: session.value("kind") === "re_review" ? "复查意见书" : "答复意见书"
    Label2 { width: parent.width; font.bold: true; text: s.doc + "是怎么收到的？" }
    Choices {
        path: "matter.earlier_reply.online"
        columns: 2
        options: [{code: true, label: "在网上收到", icon: "phone"}, {code: false, label: "纸质文书", hint: "邮寄或当面领取", icon: "document"}]
    }
    Field { path: "matter.earlier_reply.number"; label: s.doc + "上的编号"; placeholder: "例如：演信复〔2026〕12号" }
    DigitField {
        path: "matter.earlier_reply.received_on"
        kind: "date"
        label: s.online ? "第一次在网上打开答复的日期" : "收到" + s.doc + "的日期"
    }
    Label2 { width: parent.width; font.bold: true; text: s.doc + "上有没有告诉您申请期限和途径？" }
    Choices {
        path: "matter.earlier_reply.informed_of_limit"
        columns: 2
        options: [{code: true, label: "告诉了"}, {code: false, label: "没有告诉"}]
    }
    DigitField {
        visible: s.uninformed
        path: "matter.earlier_reply.known_on"
        kind: "date"
        label: "您是哪天知道申请期限的？（记不清可以不填）"
    }
    InfoBox { iconName: "clock"; text: session.edits >= 0 ? session.deadlineText() : "" }
}
