import QtQuick
import QtQuick.Controls.Basic
import ".."

// The attract screen: what the kiosk is for, how it works, QR codes to go on by phone.
Flickable {
    id: page
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    readonly property bool wide: win.landscape
    readonly property int qrSide: wide ? 400 : Math.max(400, Math.min(460, Math.floor((col.width - 3 * theme.gap) / 4)))

    component EntryButtons: Column {
        spacing: theme.gap
        Btn {
            objectName: "btn:petition"
            width: parent.width
            height: Math.max(implicitHeight, Math.round(theme.target * 1.5))
            primary: true
            iconName: "pen"
            iconSize: Math.round(theme.icon * 1.4)
            textSize: Math.round(theme.heading * 0.9)
            text: "我要信访"
            hint: "反映新的问题"
            onClicked: session.start("petition")
        }
        Btn {
            objectName: "btn:review"
            width: parent.width
            height: Math.max(implicitHeight, Math.round(theme.target * 1.5))
            primary: true
            iconName: "review"
            iconSize: Math.round(theme.icon * 1.4)
            textSize: Math.round(theme.heading * 0.9)
            text: "申请复查、复核"
            hint: "对答复意见不满意"
            onClicked: session.start("review")
        }
    }
    // Operating steps as a picture: numbered circles with icons, in a row or a column.
    component Steps: Rectangle {
        id: stepsBox
        property bool column: false
        implicitHeight: stepsGrid.implicitHeight + 2 * theme.gap + stepsTitle.implicitHeight
        color: theme.surface
        radius: theme.radius
        border.color: theme.line
        border.width: 2
        Text { id: stepsTitle; x: theme.gap; y: Math.round(theme.gap / 2); text: "操作流程"; font.family: theme.fontFamily; font.pixelSize: theme.body; font.bold: true; color: theme.blue }
        Grid {
            id: stepsGrid
            x: theme.gap
            y: stepsTitle.y + stepsTitle.implicitHeight + Math.round(theme.gap / 2)
            columns: stepsBox.column ? 1 : 4
            rowSpacing: Math.round(theme.gap / 3)
            readonly property int cell: stepsBox.column ? stepsBox.width - 2 * theme.gap : (stepsBox.width - 2 * theme.gap) / 4
            Repeater {
                model: [["1", "document", "选择事项"], ["2", "pen", "填写信息"], ["3", "sign", "核对签名"], ["4", "qr", "领取回执"]]
                delegate: Grid {
                    required property var modelData
                    width: stepsGrid.cell
                    columns: stepsBox.column ? 2 : 1
                    spacing: Math.round(theme.gap / 2)
                    horizontalItemAlignment: Grid.AlignHCenter
                    verticalItemAlignment: Grid.AlignVCenter
                    Rectangle {
                        width: Math.round(theme.icon * 1.25); height: width; radius: width / 2
                        color: theme.blueLight
                        border.color: theme.blue; border.width: 2
                        Icon { anchors.centerIn: parent; name: modelData[1]; size: Math.round(theme.icon * 0.8) }
                    }
                    Text {
                        width: stepsBox.column ? implicitWidth : stepsGrid.cell
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: modelData[0] + " " + modelData[2]
                        font.family: theme.fontFamily; font.pixelSize: theme.small; color: theme.text
                    }
                }
            }
        }
    }
    component Notice: Rectangle {
        height: notice.implicitHeight + 2 * theme.gap
        color: theme.surface
        radius: theme.radius
        border.color: theme.line
        border.width: 2
        Column {
            id: notice
            x: theme.gap; y: Math.round(theme.gap / 2)
            width: parent.width - 2 * theme.gap
            Text { text: "网上信访须知"; font.family: theme.fontFamily; font.pixelSize: theme.body; font.bold: true; color: theme.blue }
            Repeater {
                model: ["请如实反映问题，一件事提交一次就可以。",
                        "您的个人信息只用于办理您的事项，依法保密。",
                        "提交后凭回执编号或扫码查询办理进度。",
                        "需要帮助，请找工作人员。",
                        "用手机扫描下方二维码，也可以在网上办理。"]
                delegate: Label2 { required property string modelData; width: notice.width; text: "· " + modelData; font.pixelSize: theme.small }
            }
        }
    }

    Column {
        id: col
        x: theme.pad
        y: theme.gap
        width: page.width - 2 * theme.pad
        spacing: theme.gap

        Row {
            visible: page.wide
            spacing: theme.gap
            EntryButtons { width: Math.round(col.width * 0.3) }
            Steps { column: true; width: Math.round(col.width * 0.25) }
            Notice { width: col.width - Math.round(col.width * 0.3) - Math.round(col.width * 0.25) - 2 * theme.gap }
        }
        Grid {
            visible: !page.wide
            width: col.width
            columns: 2
            spacing: theme.gap
            Btn {
                objectName: "btn:petition"
                width: (col.width - theme.gap) / 2
                height: Math.max(implicitHeight, Math.round(theme.target * 1.6))
                primary: true
                vertical: true
                iconName: "pen"
                iconSize: Math.round(theme.icon * 1.2)
                textSize: Math.round(theme.heading * 0.9)
                text: "我要信访"
                hint: "反映新的问题"
                onClicked: session.start("petition")
            }
            Btn {
                objectName: "btn:review"
                width: (col.width - theme.gap) / 2
                height: Math.max(implicitHeight, Math.round(theme.target * 1.6))
                primary: true
                vertical: true
                iconName: "review"
                iconSize: Math.round(theme.icon * 1.2)
                textSize: Math.round(theme.heading * 0.9)
                text: "申请复查、复核"
                hint: "对答复意见不满意"
                onClicked: session.start("review")
            }
        }
        Steps { visible: !page.wide && session.elderly; width: col.width }
        Notice { visible: !page.wide && session.elderly; width: col.width }
        Row {
            visible: !page.wide && !session.elderly
            spacing: theme.gap
            Steps { id: pSteps; column: true; width: Math.round(col.width * 0.36); height: Math.max(implicitHeight, pNotice.height) }
            Notice { id: pNotice; width: col.width - pSteps.width - theme.gap }
        }

        // QR codes of the platforms and WeChat accounts, each named under it.
        Text {
            visible: session.elderly
            text: "用手机扫码，也可以在网上办理"
            font.family: theme.fontFamily; font.pixelSize: theme.body; font.bold: true; color: theme.blue
        }
        Flow {
            width: col.width
            spacing: theme.gap
            Repeater {
                model: session.platforms
                delegate: Column {
                    required property var modelData
                    width: page.qrSide
                    spacing: 4
                    Image {
                        objectName: "qr:" + modelData.name
                        width: page.qrSide; height: page.qrSide
                        source: modelData.qr
                        smooth: false
                        fillMode: Image.PreserveAspectFit
                    }
                    Text {
                        width: parent.width
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: modelData.label
                        font.family: theme.fontFamily; font.pixelSize: theme.small; color: theme.text
                        lineHeight: 1.3
                    }
                }
            }
        }
    }
}
