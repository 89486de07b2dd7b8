import QtQuick
import QtQuick.Controls.Basic
import ".."

// The receipt: only shown after the submission is on disk.
Flickable {
    id: page
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    Column {
        id: col
        x: Math.max(theme.pad, (page.width - win.contentMax) / 2)
        y: theme.pad
        width: page.width - 2 * x
        spacing: theme.pad
        Row {
            spacing: theme.gap
            Icon { name: "check"; size: Math.round(theme.heading * 1.3) }
            Text { text: "提交成功"; font.family: theme.fontFamily; font.pixelSize: Math.round(theme.heading * 1.2); font.bold: true; color: theme.blue; anchors.verticalCenter: parent.verticalCenter }
        }
        Label2 { width: col.width; text: session.receiptSummary + "　已经保存，会尽快送到信访部门。" }
        Grid {
            columns: win.landscape ? 2 : 1
            spacing: theme.pad
            width: col.width
            Rectangle {
                width: win.landscape ? col.width - qrCol.width - theme.pad : col.width
                height: noCol.implicitHeight + 2 * theme.pad
                color: theme.surface
                radius: theme.radius
                border.color: theme.blue; border.width: 3
                Column {
                    id: noCol
                    x: theme.pad; y: theme.pad
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
        Btn {
            objectName: "btn:finish"
            width: col.width
            primary: true
            iconName: "check"
            text: "完成"
            onClicked: session.goHome()
        }
    }
}
