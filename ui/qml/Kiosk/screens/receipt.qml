pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk
import Kiosk.ViewModels

// The receipt: only shown after the submission is on disk. 完成 stays in view at the
// bottom (where 下一步 was), so the way to end is never below the fold.
Item {
Flickable {
    id: page
    objectName: "receiptPage"
    anchors { left: parent.left; right: parent.right; top: parent.top; bottom: finishBar.top }
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * Theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    // The page goes on below the screen: the cue says so (the receipt's QR code, the query's
    // fields and actions in 大字).
    readonly property int cueRoom: cue.room
    ScrollCue { id: cue; flick: page }
    Column {
        id: col
        x: Math.max(Theme.pad, (page.width - Shell.contentMax) / 2)
        y: Theme.gap
        width: page.width - 2 * x
        spacing: Theme.gap  // compact: the receipt number is in view above 完成 on every canvas
        // (提交成功 stands in the header.)
        Row {
            spacing: Theme.gap
            width: col.width
            Icon { id: doneIcon; name: "check"; size: Theme.icon }
            // one sentence: what was received and what happens next (kiosk/receipt_words.py)
            BodyText { objectName: "receiptSummary"; width: col.width - doneIcon.width - Theme.gap; text: Session.receiptSummary }
        }
        Grid {
            columns: Shell.landscape ? 2 : 1
            spacing: Theme.pad
            width: col.width
            Rectangle {
                width: Shell.landscape ? col.width - qrCol.width - Theme.pad : col.width
                height: noCol.implicitHeight + 2 * Theme.gap
                color: Theme.surface
                radius: Theme.radius
                border.color: Theme.blue; border.width: 3
                Column {
                    id: noCol
                    x: Theme.pad; y: Theme.gap
                    width: parent.width - 2 * Theme.pad
                    spacing: Theme.gap
                    BodyText { width: parent.width; text: "请记下您的回执编号" }
                    Text {
                        objectName: "receiptNo"
                        width: parent.width
                        text: Session.receiptNo
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.big
                        font.bold: true
                        font.letterSpacing: Math.round(Theme.big * 0.12)
                        color: Theme.blue
                        fontSizeMode: Text.HorizontalFit
                        minimumPixelSize: Theme.heading
                    }
                    BodyText { objectName: "receiptWhereToCheck"; width: parent.width; color: Theme.muted; text: Session.receiptWords.whereToCheck }
                }
            }
            // The signed receipt as a QR code: the platform's receipt page, which checks
            // it and shows the progress. An unsigned receipt (terminal not enrolled) has none.
            Column {
                id: qrCol
                objectName: "receiptQr"
                visible: Session.receiptQr !== ""
                width: visible ? 420 : 0
                spacing: 4
                Image { width: 420; height: 420; source: Session.receiptQr; smooth: false; fillMode: Image.PreserveAspectFit; cache: false }
                BodyText { width: parent.width; horizontalAlignment: Text.AlignHCenter; text: Session.receiptWords.qrCaption }
            }
        }
        // The voucher (ui/printing.py): printed after the receipt showed; a failure is said
        // here in words (paper out, cover open, no answer), the receipt stays, 再打印一次.
        Rectangle {
            objectName: "printStatus"
            visible: Printer.state !== ""
            width: col.width
            height: visible ? printCol.implicitHeight + 2 * Theme.gap : 0
            color: Theme.surface
            radius: Theme.radius
            border.color: Printer.state === "failed" ? Theme.red : Theme.line
            border.width: 2
            Column {
                id: printCol
                x: Theme.gap; y: Theme.gap
                width: parent.width - 2 * Theme.gap
                spacing: Theme.gap
                Row {
                    spacing: Theme.gap
                    Icon { id: printIcon; name: Printer.state === "failed" ? "alert" : "document"
                           color: Printer.state === "failed" ? Theme.red : Theme.blue; size: Math.round(Theme.body * 1.3) }
                    BodyText { objectName: "printMessage"; width: printCol.width - printIcon.width - Theme.gap
                               text: Printer.message; color: Printer.state === "failed" ? Theme.red : Theme.text }
                }
                ActionButton { objectName: "btn:printAgain"; visible: Printer.canRetry; iconName: "restart"
                               text: "再打印一次"; onClicked: Printer.again() }
            }
        }
        // 材料另交: what to bring and where, under the receipt number (which stays in view above 完成)
        InfoBox { objectName: "receiptSeparate"; iconName: "document"; text: Session.receiptSeparate !== "" ? "还要交的材料　" + Session.receiptSeparate : "" }
        Text { text: "接下来会怎样"; font.family: Theme.fontFamily; font.pixelSize: Theme.heading; font.bold: true; color: Theme.blue }
        Repeater {
            model: Session.milestones
            delegate: Rectangle {
                id: milestone
                required property var modelData
                required property int index
                width: col.width
                height: mcol.implicitHeight + 2 * Theme.gap
                color: Theme.surface
                radius: Theme.radius
                border.color: Theme.line; border.width: 2
                Column {
                    id: mcol
                    x: Theme.gap; y: Theme.gap
                    width: parent.width - 2 * Theme.gap
                    spacing: 4
                    BodyText { width: parent.width; font.bold: true; text: (milestone.index + 1) + ". 最晚 " + milestone.modelData.by + "：" + milestone.modelData.label }
                    // the rule behind the date, in small print under the plain words
                    BodyText { objectName: "milestoneBasis"; width: parent.width; color: Theme.muted
                               font.pixelSize: Theme.small; text: milestone.modelData.basis }
                }
            }
        }
    }
}
Rectangle {
    id: finishBar
    anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
    height: Theme.target + 2 * Theme.gap
    color: Theme.surface
    Rectangle { anchors { left: parent.left; right: parent.right; top: parent.top } height: 2; color: Theme.line }
    // Where the room is (landscape), what the printer did stands here too, in view whatever
    // the page's scroll: the full words are in the box under the number.
    BodyText {
        objectName: "printShort"
        anchors { left: parent.left; leftMargin: Theme.pad; right: rateBtn.left; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
        text: Printer.brief !== "" ? Printer.brief : "记好回执编号后，请按“完成”。"
        color: Printer.state === "failed" ? Theme.red : Theme.muted
        wrapMode: Text.NoWrap
        visible: implicitWidth <= width  // a hint only: left out rather than cut off
    }
    // The one way to the service evaluation: voluntary, so a button, never a prompt.
    ActionButton {
        id: rateBtn
        objectName: "btn:evaluate"
        anchors { right: finishBtn.left; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
        iconName: "pen"
        text: "评价服务"
        onClicked: Session.goTo("evaluation")
    }
    ActionButton {
        id: finishBtn
        objectName: "btn:finish"
        anchors { right: parent.right; rightMargin: Theme.pad; verticalCenter: parent.verticalCenter }
        primary: true
        iconName: "check"
        text: "完成"
        minWidth: Math.round(Theme.target * 3.2)
        onClicked: Session.goHome()
    }
}
}
