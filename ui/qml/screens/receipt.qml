import QtQuick
import QtQuick.Controls.Basic
import ".."

// The receipt: only shown after the submission is on disk. 完成 stays in view at the
// bottom (where 下一步 was), so the way to end is never below the fold.
Item {
Flickable {
    id: page
    anchors { left: parent.left; right: parent.right; top: parent.top; bottom: finishBar.top }
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    Column {
        id: col
        x: Math.max(theme.pad, (page.width - win.contentMax) / 2)
        y: theme.gap
        width: page.width - 2 * x
        spacing: theme.gap  // compact: the receipt number is in view above 完成 on every canvas
        // (提交成功 stands in the header.)
        Row {
            spacing: theme.gap
            width: col.width
            Icon { id: doneIcon; name: "check"; size: theme.icon }
            Label2 { width: col.width - doneIcon.width - theme.gap; text: session.receiptSummary + "　已经保存，将送交信访部门。" }
        }
        Grid {
            columns: win.landscape ? 2 : 1
            spacing: theme.pad
            width: col.width
            Rectangle {
                width: win.landscape ? col.width - qrCol.width - theme.pad : col.width
                height: noCol.implicitHeight + 2 * theme.gap
                color: theme.surface
                radius: theme.radius
                border.color: theme.blue; border.width: 3
                Column {
                    id: noCol
                    x: theme.pad; y: theme.gap
                    width: parent.width - 2 * theme.pad
                    spacing: theme.gap
                    Label2 { width: parent.width; text: "请记下您的回执编号" }
                    Text {
                        objectName: "receiptNo"
                        width: parent.width
                        text: session.receiptNo
                        font.family: theme.fontFamily
                        font.pixelSize: theme.big
                        font.bold: true
                        font.letterSpacing: Math.round(theme.big * 0.12)
                        color: theme.blue
                        fontSizeMode: Text.HorizontalFit
                        minimumPixelSize: theme.heading
                    }
                    Label2 { width: parent.width; color: theme.muted; text: "凭回执编号可以在本机、网站或打电话查询办理进度。" }
                }
            }
            Column {
                id: qrCol
                width: 420
                spacing: 4
                Image { width: 420; height: 420; source: session.receiptQr; smooth: false; fillMode: Image.PreserveAspectFit; cache: false }
                Label2 { width: parent.width; horizontalAlignment: Text.AlignHCenter; text: "手机扫码查询进度" }
            }
        }
        Text { text: "接下来会怎样"; font.family: theme.fontFamily; font.pixelSize: theme.heading; font.bold: true; color: theme.blue }
        Repeater {
            model: session.milestones
            delegate: Rectangle {
                required property var modelData
                required property int index
                width: col.width
                height: mcol.implicitHeight + 2 * theme.gap
                color: theme.surface
                radius: theme.radius
                border.color: theme.line; border.width: 2
                Column {
                    id: mcol
                    x: theme.gap; y: theme.gap
                    width: parent.width - 2 * theme.gap
                    spacing: 4
                    Label2 { width: parent.width; font.bold: true; text: (index + 1) + ". 最晚 " + modelData.by + "：" + modelData.label }
                    Label2 { width: parent.width; color: theme.muted; text: modelData.basis }
                }
            }
        }
    }
}
Rectangle {
    id: finishBar
    anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
    height: theme.target + 2 * theme.gap
    color: theme.surface
    Rectangle { anchors { left: parent.left; right: parent.right; top: parent.top } height: 2; color: theme.line }
    Label2 {
        anchors { left: parent.left; leftMargin: theme.pad; right: finishBtn.left; rightMargin: theme.gap; verticalCenter: parent.verticalCenter }
        text: "记好回执编号后，请按“完成”。"
        color: theme.muted
        wrapMode: Text.NoWrap
        visible: implicitWidth <= width  // a hint only: left out rather than cut off
    }
    Btn {
        id: finishBtn
        objectName: "btn:finish"
        anchors { right: parent.right; rightMargin: theme.pad; verticalCenter: parent.verticalCenter }
        primary: true
        iconName: "check"
        text: "完成"
        minWidth: Math.round(theme.target * 3.2)
        onClicked: session.goHome()
    }
}
}
