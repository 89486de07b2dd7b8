import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    readonly property bool online: Session.answer("matter.earlier_reply.online").value === true
    readonly property string doc: Session.replyDocument
    // The labels are the core's (kiosk/choices.py), the same words as on the review screen.
    function labelOf(field: string): string { return Session.answer("matter.earlier_reply." + field).label }
    // Before the citizen starts: what this terminal cannot photograph, what to bring, where.
    InfoBox { objectName: "materialNotice"; iconName: "camera"; text: Session.materialNotice }
    BodyText { width: parent.width; font.bold: true; text: s.labelOf("online") }
    Choices {
        path: "matter.earlier_reply.online"
        columns: 2
    }
    Field { path: "matter.earlier_reply.number"; label: s.labelOf("number"); placeholder: "例如：演信复〔2026〕12号" }
    DigitField {
        path: "matter.earlier_reply.received_on"
        kind: "date"
        label: s.labelOf("received_on")
    }
    BodyText { width: parent.width; font.bold: true; text: s.labelOf("informed_of_limit") }
    Choices {
        path: "matter.earlier_reply.informed_of_limit"
        columns: 2
    }
    DigitField {
        visible: Session.applies.known_on
        path: "matter.earlier_reply.known_on"
        kind: "date"
        label: s.labelOf("known_on") + "（记不清可以不填）"
    }
    InfoBox { iconName: "clock"; text: Session.deadlineText }
}
