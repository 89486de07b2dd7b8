import QtQuick
import QtQuick.Controls.Basic

// The technician's screen: health at a glance, the items that need a decision, and the
// only ways out of the kiosk. Nothing on it is personal: receipt numbers, counts,
// masked log lines. It closes itself after 2 minutes without a touch.
Rectangle {
    id: scr
    objectName: "techScreen"
    anchors.fill: parent
    color: theme.bg
    readonly property var info: technician.info
    readonly property int colW: Math.min(width - 2 * theme.pad, win.contentMax)
    property string asideId: ""
    property string asideReceipt: ""
    property string asideCode: ""
    property string confirmWhat: ""
    MouseArea { anchors.fill: parent }
    onVisibleChanged: { asideId = ""; confirmWhat = "" }

    // ---- header: the title, 大字, 返回 ----
    Rectangle {
        id: bar
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: theme.target + 2 * theme.gap
        color: theme.surface
        Rectangle { anchors { left: parent.left; right: parent.right; bottom: parent.bottom } height: 3; color: theme.blue }
        Text {
            x: theme.pad
            anchors.verticalCenter: parent.verticalCenter
            width: tools.x - 2 * theme.pad
            text: "技术人员维护"
            elide: Text.ElideRight
            font.family: theme.fontFamily
            font.pixelSize: theme.heading
            font.bold: true
            color: theme.blue
        }
        Row {
            id: tools
            anchors { right: parent.right; rightMargin: theme.pad; verticalCenter: parent.verticalCenter }
            spacing: theme.gap
            Btn { objectName: "tech:elderly"; text: session.elderly ? "大字 开" : "大字"; iconName: "text-size"
                  selected: session.elderly; noIcon: !win.landscape && session.elderly
                  onClicked: session.elderly = !session.elderly }
            Btn { objectName: "tech:back"; text: "返回"; iconName: "home"; noIcon: !win.landscape && session.elderly
                  onClicked: technician.back() }
        }
    }

    component Card: Rectangle {
        default property alias content: inner.data
        property string title
        width: scr.colW
        height: inner.implicitHeight + 2 * theme.pad
        radius: theme.radius
        color: theme.surface
        border.width: 2
        border.color: theme.line
        Column {
            id: inner
            x: theme.pad; y: theme.pad
            width: parent.width - 2 * theme.pad
            spacing: theme.gap
            Label2 { width: parent.width; text: title; font.pixelSize: Math.round(theme.heading * 0.8); font.bold: true; color: theme.blue }
        }
    }
    component Pair: Row {
        property string k
        property string v
        property bool bad: false
        width: parent ? parent.width : 600
        spacing: theme.gap
        Label2 { id: kl; width: Math.round(theme.body * 6); text: k; color: theme.muted }
        Label2 { width: parent.width - kl.width - theme.gap; text: v; font.bold: true; color: bad ? theme.red : theme.text }
    }

    Flickable {
        id: flick
        objectName: "techFlick"
        anchors { left: parent.left; right: parent.right; top: bar.bottom; bottom: parent.bottom }
        contentHeight: body.implicitHeight + 2 * theme.pad
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        Column {
            id: body
            x: (flick.width - scr.colW) / 2
            y: theme.pad
            width: scr.colW
            spacing: theme.pad

            Label2 {
                objectName: "tech:notice"
                visible: technician.notice !== ""
                width: parent.width
                text: technician.notice
                font.bold: true
                color: theme.blue
            }
            Label2 {
                objectName: "tech:storeProblem"
                visible: (scr.info.storeProblem || "") !== ""
                width: parent.width
                text: scr.info.storeProblem || ""
                font.bold: true
                color: theme.red
            }

            Card {
                title: "本机"
                Pair { k: "终端编号"; v: technician.terminalId; objectName: "tech:terminal" }
                Pair { k: "软件版本"; v: technician.version }
                Pair { k: "内容版本"; v: scr.info.content || "……" }
                Pair { k: "磁盘空间"; v: scr.info.disk || "……"; bad: scr.info.diskLow === true; objectName: "tech:disk" }
            }

            Card {
                title: "发送队列"
                Flow {
                    width: parent.width
                    spacing: theme.gap
                    Repeater {
                        model: scr.info.counts || []
                        delegate: Rectangle {
                            required property var modelData
                            objectName: "count:" + modelData.state
                            property int count: modelData.count
                            width: Math.max(Math.round(theme.body * 5.2), countCol.implicitWidth + 2 * theme.gap)
                            height: countCol.implicitHeight + theme.gap
                            radius: theme.radius
                            color: modelData.state === "needs_attention" && modelData.count > 0 ? "#FBE9EA" : theme.blueLight
                            Column {
                                id: countCol
                                anchors.centerIn: parent
                                Text { anchors.horizontalCenter: parent.horizontalCenter; text: modelData.count
                                       font.family: theme.fontFamily; font.pixelSize: theme.heading; font.bold: true
                                       color: modelData.state === "needs_attention" && modelData.count > 0 ? theme.red : theme.blue }
                                Text { anchors.horizontalCenter: parent.horizontalCenter; text: modelData.label
                                       font.family: theme.fontFamily; font.pixelSize: theme.body; color: theme.text }
                            }
                        }
                    }
                }
                Pair { k: "最早待发送"; v: scr.info.oldest || "……"; objectName: "tech:oldest" }
                Flow {
                    width: parent.width
                    spacing: theme.gap
                    Btn { objectName: "tech:sync"; text: "立即发送"; iconName: "arrow-right"; onClicked: technician.syncNow() }
                    Btn { objectName: "tech:reach"; text: technician.reachBusy ? "正在测试网络……" : "测试网络连接"
                          iconName: "magnifier"; enabled: !technician.reachBusy; onClicked: technician.testConnectivity() }
                }
                Repeater {
                    model: technician.reach
                    delegate: Label2 {
                        required property var modelData
                        objectName: "reach:" + modelData.name
                        width: parent ? parent.width : 600
                        text: (modelData.ok ? "✓ 连通　" : "✗ 不通　") + modelData.name + "\n" + modelData.found
                        color: modelData.ok ? theme.text : theme.red
                    }
                }
            }

            Card {
                title: "需要处理的提交（" + (scr.info.attention ? scr.info.attention.length : 0) + "）"
                Label2 {
                    visible: !scr.info.attention || scr.info.attention.length === 0
                    width: parent.width
                    text: "没有需要处理的提交"
                    color: theme.muted
                }
                Repeater {
                    model: scr.info.attention || []
                    delegate: Column {
                        required property var modelData
                        width: parent ? parent.width : 600
                        spacing: Math.round(theme.gap / 2)
                        Rectangle { width: parent.width; height: 2; color: theme.line }
                        Label2 { width: parent.width; font.bold: true
                                 text: "回执号 " + modelData.receipt + "　" + modelData.kind }
                        Label2 { width: parent.width; color: theme.muted
                                 text: "提交于 " + modelData.created + "　已尝试 " + modelData.attempts + " 次" }
                        Label2 { width: parent.width; text: "平台说明：" + modelData.error }
                        Flow {
                            width: parent.width
                            spacing: theme.gap
                            Btn { objectName: "retry:" + modelData.receipt; text: "重试"; iconName: "arrow-right"
                                  onClicked: technician.retry(modelData.id) }
                            Btn { objectName: "aside:" + modelData.receipt; text: "搁置"; iconName: "flag"
                                  onClicked: { scr.asideId = modelData.id; scr.asideReceipt = modelData.receipt; scr.asideCode = "" } }
                        }
                    }
                }
            }

            Card {
                title: "最近的警告和错误"
                Label2 {
                    visible: !scr.info.errors || scr.info.errors.length === 0
                    width: parent.width
                    text: "最近 7 天没有警告或错误"
                    color: theme.muted
                }
                Repeater {
                    model: scr.info.errors || []
                    delegate: Label2 {
                        required property var modelData
                        objectName: "error:" + index
                        required property int index
                        width: parent ? parent.width : 600
                        text: modelData.when + "　" + modelData.level + "\n" + modelData.text
                        color: modelData.level === "错误" ? theme.red : theme.text
                        wrapMode: Text.WrapAnywhere
                    }
                }
            }

            Card {
                title: "退出或重新启动"
                Label2 { width: parent.width; color: theme.muted
                         text: "退出后本机不再提供自助服务，直到技术人员重新启动服务；重新启动约需几秒钟。" }
                Flow {
                    width: parent.width
                    spacing: theme.gap
                    Btn { objectName: "tech:restart"; text: "重新启动"; onClicked: scr.confirmWhat = "restart" }
                    Btn { objectName: "tech:leave"; text: "退出自助服务"; onClicked: scr.confirmWhat = "leave" }
                }
            }
        }
    }

    // ---- 搁置: a reason from the list, or typed ----
    Rectangle {
        objectName: "asideDialog"
        anchors.fill: parent
        visible: scr.asideId !== ""
        color: "#CC000000"
        z: 10
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            y: Math.max(theme.pad, Math.min((parent.height - height) / 2, parent.height - height - (inputPanel.active ? inputPanel.height : 0) - theme.pad))
            width: Math.min(parent.width - 2 * theme.pad, 1100)
            height: asideCol.implicitHeight + 2 * theme.pad
            radius: theme.radius
            color: theme.surface
            Column {
                id: asideCol
                x: theme.pad; y: theme.pad
                width: parent.width - 2 * theme.pad
                spacing: theme.gap
                Label2 { width: parent.width; font.pixelSize: Math.round(theme.heading * 0.8); font.bold: true
                         text: "搁置回执号 " + scr.asideReceipt + "\n请选择原因：" }
                Flow {
                    width: parent.width
                    spacing: theme.gap
                    Repeater {
                        model: technician.reasons
                        delegate: Btn {
                            required property var modelData
                            objectName: "reason:" + modelData.code
                            text: modelData.label
                            selected: scr.asideCode === modelData.code
                            onClicked: { scr.asideCode = modelData.code; reasonField.text = ""; win.doneTyping() }
                        }
                    }
                }
                Label2 { width: parent.width; text: "或填写其他原因（不要填写个人信息）：" }
                Rectangle {
                    width: parent.width
                    height: Math.max(theme.target, reasonField.implicitHeight + theme.gap)
                    radius: theme.radius
                    color: theme.surface
                    border.width: reasonField.activeFocus ? Math.round(4 * theme.scale) : 2
                    border.color: reasonField.activeFocus ? theme.blue : theme.line
                    TextField {
                        id: reasonField
                        objectName: "reasonField"
                        anchors.fill: parent
                        anchors.margins: 4
                        font.family: theme.fontFamily
                        font.pixelSize: theme.body
                        color: theme.text
                        background: null
                        leftPadding: theme.gap
                        maximumLength: 100
                        selectByMouse: false
                        persistentSelection: false
                        ContextMenu.menu: null
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
                        onTextChanged: if (text !== "") scr.asideCode = ""
                    }
                }
                Flow {
                    width: parent.width
                    spacing: theme.gap
                    Btn { objectName: "aside:cancel"; text: "取消"; iconName: "arrow-left"
                          onClicked: { win.doneTyping(); reasonField.text = ""; scr.asideId = "" } }
                    Btn { objectName: "aside:confirm"; primary: true; text: "确认搁置"; iconName: "check"
                          enabled: scr.asideCode !== "" || reasonField.text.trim() !== ""
                          onClicked: { Qt.inputMethod.commit(); win.doneTyping()
                                       technician.setAside(scr.asideId, scr.asideCode, reasonField.text)
                                       reasonField.text = ""; scr.asideId = "" } }
                }
            }
        }
    }

    Dialog2 {
        objectName: "techConfirm"
        visible: scr.confirmWhat !== ""
        z: 20
        message: scr.confirmWhat === "leave" ? "退出自助服务？\n本机将不再提供服务，直到技术人员重新启动。"
                                             : "重新启动自助服务？\n约需几秒钟，之后回到首页。"
        primaryText: scr.confirmWhat === "leave" ? "退出自助服务" : "重新启动"
        secondaryText: "取消"
        onPrimary: { var what = scr.confirmWhat; scr.confirmWhat = ""
                     if (what === "leave") technician.leave(); else technician.restart() }
        onSecondary: scr.confirmWhat = ""
    }
}
