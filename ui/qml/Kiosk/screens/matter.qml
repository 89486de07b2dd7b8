import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    Field { path: "matter.request"; label: Session.answer(path).label; multiline: true; lines: 3; placeholder: "例如：请求支付拖欠的工资" }
    Field { path: "matter.facts_and_reasons"; label: Session.answer(path).label; multiline: true; lines: 5; placeholder: "什么时间、什么地方、发生了什么" }
    Field { visible: Session.applies.place; path: "matter.place"; label: Session.answer(path).label; placeholder: "例如：某县某镇某村" }
    Field { path: "matter.concerned_body"; label: Session.answer(path).label + (Session.applies.review ? "" : "（选填）") }
}
