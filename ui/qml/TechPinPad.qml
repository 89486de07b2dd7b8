import QtQuick
import QtQuick.Controls.Basic

// The technician's PIN pad: opaque over the whole window, so nothing of a visitor's
// session shows behind it. The digits go to the view-model; QML never holds the PIN.
Rectangle {
    id: pad
    objectName: "techPinPad"
    anchors.fill: parent
    color: theme.bg
    readonly property bool locked: technician.lockSeconds > 0
    readonly property bool usable: technician.pinSet && !locked && !technician.busy
    readonly property int keyW: Math.min(Math.round(theme.target * 2.2), Math.floor((width - 2 * theme.pad - 2 * theme.gap) / 3))
    readonly property int keyH: Math.round(theme.target * 1.15)
    MouseArea { anchors.fill: parent }  // nothing behind the pad can be touched

    // Portrait: one column. Landscape: what is typed at the left, the keys at the right,
    // so even 大字 keys fit the height without scrolling.
    readonly property bool wide: win.landscape
    readonly property int gridW: 3 * Math.round(theme.target * 2.2) + 2 * theme.gap
    Flickable {
        id: flick
        anchors.fill: parent
        contentHeight: Math.max(height, layout.implicitHeight + 2 * theme.pad)
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        Grid {
            id: layout
            columns: pad.wide ? 2 : 1
            columnSpacing: 2 * theme.pad
            rowSpacing: theme.gap
            verticalItemAlignment: Grid.AlignVCenter
            x: (pad.width - implicitWidth) / 2
            y: Math.max(theme.pad, (flick.height - implicitHeight) / 2)
            Column {
                id: col
                width: pad.wide ? Math.min(pad.width - pad.gridW - 6 * theme.pad, Math.round(theme.target * 8))
                                : Math.min(pad.width - 2 * theme.pad, pad.gridW)
                spacing: theme.gap

                Label2 {
                    width: parent.width
                    text: "技术人员"
                    font.pixelSize: theme.heading
                    font.bold: true
                    color: theme.blue
                    horizontalAlignment: Text.AlignHCenter
                }
                Label2 {
                    width: parent.width
                    text: "请输入维护密码"
                    horizontalAlignment: Text.AlignHCenter
                }
                // What has been typed: one dot per digit, never the digits.
                Rectangle {
                    objectName: "pinDots"
                    width: parent.width
                    height: Math.round(theme.target * 1.1)
                    radius: theme.radius
                    color: theme.surface
                    border.width: 2
                    border.color: theme.line
                    Text {
                        anchors.centerIn: parent
                        text: technician.pinLength > 0 ? "●".repeat(technician.pinLength) : ""
                        font.family: theme.fontFamily
                        font.pixelSize: theme.heading
                        font.letterSpacing: Math.round(theme.gap / 2)
                        color: theme.text
                    }
                }
                Label2 {
                    objectName: "pinMessage"
                    width: parent.width
                    visible: text !== ""
                    horizontalAlignment: Text.AlignHCenter
                    font.bold: true
                    color: theme.red
                    text: !technician.pinSet ? "未设置维护密码，请用 kiosk set-pin 设置"
                          : pad.locked ? "输入错误次数过多，请 " + technician.lockSeconds + " 秒后再试"
                          : technician.busy ? "正在核对……" : technician.message
                }
                Row {
                    visible: pad.wide
                    spacing: theme.gap
                    Loader { sourceComponent: cancelBtn; width: Math.round((col.width - theme.gap) / 2) }
                    Loader { sourceComponent: okBtn; width: Math.round((col.width - theme.gap) / 2) }
                }
            }
            Column {
                spacing: theme.gap
                Grid {
                    id: grid
                    columns: 3
                    spacing: theme.gap
                    Repeater {
                        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "清除", "0", "退格"]
                        delegate: Btn {
                            required property string modelData
                            objectName: "pin:" + modelData
                            width: pad.keyW
                            height: pad.keyH
                            enabled: pad.usable
                            text: modelData
                            textSize: modelData.length === 1 ? Math.round(theme.body * 1.4) : theme.body
                            onClicked: {
                                if (modelData === "清除") technician.clearPin()
                                else if (modelData === "退格") technician.backspace()
                                else technician.pressDigit(modelData)
                            }
                        }
                    }
                }
                Row {
                    visible: !pad.wide
                    spacing: theme.gap
                    Loader { sourceComponent: cancelBtn; width: Math.round((grid.width - theme.gap) / 2) }
                    Loader { sourceComponent: okBtn; width: Math.round((grid.width - theme.gap) / 2) }
                }
            }
        }
    }
    Component {
        id: cancelBtn
        Btn {
            objectName: "pin:cancel"
            text: "返回"
            iconName: "arrow-left"
            noIcon: pad.wide && session.elderly  // keeps the label on one line beside the keys
            onClicked: technician.back()
        }
    }
    Component {
        id: okBtn
        Btn {
            objectName: "pin:ok"
            primary: true
            text: "确定"
            iconName: "check"
            noIcon: pad.wide && session.elderly
            enabled: pad.usable && technician.pinLength > 0
            onClicked: technician.submitPin()
        }
    }
}
