pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// The technician's PIN pad: opaque over the whole window, so nothing of a visitor's
// session shows behind it. The digits go to the view-model; QML never holds the PIN.
Rectangle {
    id: pad
    objectName: "techPinPad"
    anchors.fill: parent
    color: Theme.bg
    readonly property bool locked: Technician.lockSeconds > 0
    readonly property bool usable: Technician.pinSet && !locked && !Technician.busy
    readonly property int keyW: Math.min(Math.round(Theme.target * 2.2), Math.floor((width - 2 * Theme.pad - 2 * Theme.gap) / 3))
    readonly property int keyH: Math.round(Theme.target * 1.15)
    MouseArea { anchors.fill: parent }  // nothing behind the pad can be touched

    // Portrait: one column. Landscape: what is typed at the left, the keys at the right,
    // so even 大字 keys fit the height without scrolling.
    readonly property bool wide: Shell.landscape
    readonly property int gridW: 3 * Math.round(Theme.target * 2.2) + 2 * Theme.gap
    Flickable {
        id: flick
        anchors.fill: parent
        contentHeight: Math.max(height, layout.implicitHeight + 2 * Theme.pad)
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        Grid {
            id: layout
            columns: pad.wide ? 2 : 1
            columnSpacing: 2 * Theme.pad
            rowSpacing: Theme.gap
            verticalItemAlignment: Grid.AlignVCenter
            x: (pad.width - implicitWidth) / 2
            y: Math.max(Theme.pad, (flick.height - implicitHeight) / 2)
            Column {
                id: col
                width: pad.wide ? Math.min(pad.width - pad.gridW - 6 * Theme.pad, Math.round(Theme.target * 8))
                                : Math.min(pad.width - 2 * Theme.pad, pad.gridW)
                spacing: Theme.gap

                BodyText {
                    width: parent.width
                    text: "技术人员"
                    font.pixelSize: Theme.heading
                    font.bold: true
                    color: Theme.blue
                    horizontalAlignment: Text.AlignHCenter
                }
                BodyText {
                    width: parent.width
                    text: "请输入维护密码"
                    horizontalAlignment: Text.AlignHCenter
                }
                // What has been typed: one dot per digit, never the digits.
                Rectangle {
                    objectName: "pinDots"
                    width: parent.width
                    height: Math.round(Theme.target * 1.1)
                    radius: Theme.radius
                    color: Theme.surface
                    border.width: 2
                    border.color: Theme.line
                    Text {
                        anchors.centerIn: parent
                        text: Technician.pinLength > 0 ? "●".repeat(Technician.pinLength) : ""
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.heading
                        font.letterSpacing: Math.round(Theme.gap / 2)
                        color: Theme.text
                    }
                }
                BodyText {
                    objectName: "pinMessage"
                    width: parent.width
                    visible: text !== ""
                    horizontalAlignment: Text.AlignHCenter
                    font.bold: true
                    color: Theme.red
                    text: !Technician.pinSet ? "未设置维护密码，请用 kiosk set-pin 设置"
                          : pad.locked ? "输入错误次数过多，请 " + Technician.lockSeconds + " 秒后再试"
                          : Technician.busy ? "正在核对……" : Technician.message
                }
                Row {
                    visible: pad.wide
                    spacing: Theme.gap
                    Loader { sourceComponent: cancelBtn; width: Math.round((col.width - Theme.gap) / 2) }
                    Loader { sourceComponent: okBtn; width: Math.round((col.width - Theme.gap) / 2) }
                }
            }
            Column {
                spacing: Theme.gap
                Grid {
                    id: grid
                    columns: 3
                    spacing: Theme.gap
                    Repeater {
                        // The citizen's pads' words: 删除 one digit, 清空 all. No 撤销 here: a
                        // PIN the technician asked to forget is not kept to be put back.
                        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除"]
                        delegate: ActionButton {
                            required property string modelData
                            objectName: "pin:" + modelData
                            width: pad.keyW
                            height: pad.keyH
                            enabled: pad.usable
                            text: modelData
                            textSize: modelData.length === 1 ? Math.round(Theme.body * 1.4) : Theme.body
                            onClicked: {
                                if (modelData === "清空") Technician.clearPin()
                                else if (modelData === "删除") Technician.backspace()
                                else Technician.pressDigit(modelData)
                            }
                        }
                    }
                }
                Row {
                    visible: !pad.wide
                    spacing: Theme.gap
                    Loader { sourceComponent: cancelBtn; width: Math.round((grid.width - Theme.gap) / 2) }
                    Loader { sourceComponent: okBtn; width: Math.round((grid.width - Theme.gap) / 2) }
                }
            }
        }
    }
    Component {
        id: cancelBtn
        ActionButton {
            objectName: "pin:cancel"
            text: "返回"
            iconName: "arrow-left"
            noIcon: pad.wide && Session.elderly  // keeps the label on one line beside the keys
            onClicked: Technician.back()
        }
    }
    Component {
        id: okBtn
        ActionButton {
            objectName: "pin:ok"
            primary: true
            text: "确定"
            iconName: "check"
            noIcon: pad.wide && Session.elderly
            enabled: pad.usable && Technician.pinLength > 0
            onClicked: Technician.submitPin()
        }
    }
}
