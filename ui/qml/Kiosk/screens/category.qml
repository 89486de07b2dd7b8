import QtQuick
import Kiosk
import Kiosk.ViewModels

// The common matters in everyday words first (assets/taxonomies/common.toml), then
// "不知道选哪个" (the office classifies it), then 更多类别: the full list the platform
// accepts, open from the start when the category was picked there.
StepPage {
    id: s
    readonly property Answer common: Session.answer("common_matter")
    readonly property Answer category: Session.answer("category")
    readonly property var unsure: Session.unsureChoice
    property bool showAll: false
    Component.onCompleted: showAll = (category.value ?? "") !== "" && (common.value ?? "") === ""
    Choices {
        path: "common_matter"
        columns: Shell.landscape ? (Session.elderly ? 3 : 4) : (Session.elderly ? 2 : 3)
        vertical: true
    }
    ActionButton {
        objectName: "choice:common_matter:" + s.unsure.code
        width: parent.width
        text: s.unsure.label
        hint: s.unsure.hint
        iconName: s.unsure.icon
        selected: s.common.value === s.unsure.code
        onClicked: Session.setValue("common_matter", s.unsure.code)
    }
    // 请选择问题类别 next to the tiles while the full list (which says it too) is closed
    FieldProblem { path: "category"; width: parent.width; visible: !s.showAll && message !== "" }
    ActionButton {
        objectName: "btn:moreCategories"
        width: parent.width
        iconName: s.showAll ? "arrow-left" : "dots"
        text: s.showAll ? "收起全部类别" : "更多类别（全部问题类别）"
        onClicked: s.showAll = !s.showAll
    }
    Choices {
        visible: s.showAll
        path: "category"
        columns: Shell.landscape ? (Session.elderly ? 3 : 4) : (Session.elderly ? 2 : 3)
        vertical: true
    }
}

