pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// The technician's screen: health at a glance, the items that need a decision, and the
// only ways out of the kiosk. Nothing on it is personal: receipt numbers, counts,
// masked log lines. It closes itself after 2 minutes without a touch.
Rectangle {
    id: scr
    objectName: "techScreen"
    anchors.fill: parent
    color: Theme.bg
    readonly property var info: Technician.info
    readonly property int colW: Math.min(width - 2 * Theme.pad, Shell.contentMax)
    property string asideId: ""
    property string asideReceipt: ""
    property string asideCode: ""
    property string confirmWhat: ""
    // Which causes show their English (by key): kept here, not in the lines, because
    // the lines are made again whenever the queue is read again.
    property var openDetails: ({})
    MouseArea { anchors.fill: parent }
    onVisibleChanged: { asideId = ""; confirmWhat = ""; if (!visible) Carry.clear() }

    // ---- header: the title, 大字, 返回 ----
    Rectangle {
        id: bar
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Theme.target + 2 * Theme.gap
        color: Theme.surface
        Rectangle { anchors { left: parent.left; right: parent.right; bottom: parent.bottom } height: 3; color: Theme.blue }
        Text {
            x: Theme.pad
            anchors.verticalCenter: parent.verticalCenter
            width: tools.x - 2 * Theme.pad
            text: "技术人员维护"
            elide: Text.ElideRight
            font.family: Theme.fontFamily
            font.pixelSize: Theme.heading
            font.bold: true
            color: Theme.blue
        }
        Row {
            id: tools
            anchors { right: parent.right; rightMargin: Theme.pad; verticalCenter: parent.verticalCenter }
            spacing: Theme.gap
            ActionButton { objectName: "tech:elderly"; text: Session.elderly ? "大字 开" : "大字"; iconName: "text-size"
                  selected: Session.elderly; noIcon: !Shell.landscape && Session.elderly
                  onClicked: Session.elderly = !Session.elderly }
            ActionButton { objectName: "tech:back"; text: "返回"; iconName: "home"; noIcon: !Shell.landscape && Session.elderly
                  onClicked: Technician.back() }
        }
    }

    component Card: Rectangle {
        id: card
        default property alias content: inner.data
        property string title
        width: scr.colW
        height: inner.implicitHeight + 2 * Theme.pad
        radius: Theme.radius
        color: Theme.surface
        border.width: 2
        border.color: Theme.line
        Column {
            id: inner
            x: Theme.pad; y: Theme.pad
            width: parent.width - 2 * Theme.pad
            spacing: Theme.gap
            BodyText { width: parent.width; text: card.title; font.pixelSize: Math.round(Theme.heading * 0.8); font.bold: true; color: Theme.blue }
        }
    }
    // A recorded cause: plain Chinese, and the English it was recorded in behind 详情
    // (what the platform's operator or a search needs).
    component CauseLine: Column {
        id: causeLine
        property string words
        property string detail
        property string name  // the 详情 button's objectName: name + ":detail"
        property string key: name
        property color tone: Theme.text
        readonly property bool open: scr.openDetails[key] === true
        width: parent ? parent.width : 600
        spacing: Math.round(Theme.gap / 2)
        BodyText { width: parent.width; text: causeLine.words; color: causeLine.tone }
        ActionButton {
            objectName: causeLine.name + ":detail"
            visible: causeLine.detail !== ""
            text: causeLine.open ? "收起详情" : "详情"
            iconName: "info"
            selected: causeLine.open
            onClicked: {
                let shown = Object.assign({}, scr.openDetails)
                shown[causeLine.key] = !causeLine.open
                scr.openDetails = shown
            }
        }
        BodyText {
            objectName: causeLine.name + ":english"
            visible: causeLine.open && causeLine.detail !== ""
            width: parent.width
            text: causeLine.detail
            color: Theme.muted
            wrapMode: Text.WrapAnywhere
        }
    }
    component Pair: Row {
        id: pair
        property string k
        property string v
        property bool bad: false
        width: parent ? parent.width : 600
        spacing: Theme.gap
        BodyText { id: kl; width: Math.round(Theme.body * 6); text: pair.k; color: Theme.muted }
        BodyText { width: parent.width - kl.width - Theme.gap; text: pair.v; font.bold: true; color: pair.bad ? Theme.red : Theme.text }
    }

    Flickable {
        id: flick
        objectName: "techFlick"
        anchors { left: parent.left; right: parent.right; top: bar.bottom; bottom: parent.bottom }
        contentHeight: body.implicitHeight + 2 * Theme.pad
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        Column {
            id: body
            x: (flick.width - scr.colW) / 2
            y: Theme.pad
            width: scr.colW
            spacing: Theme.pad

            // 求助: a citizen waits for the staff; cleared here once someone went (audited)
            Rectangle {
                objectName: "tech:help"
                visible: Help.standing
                width: parent.width
                height: visible ? helpCol.implicitHeight + 2 * Theme.pad : 0
                radius: Theme.radius
                color: Theme.surface
                border.color: Theme.red
                border.width: 3
                Column {
                    id: helpCol
                    x: Theme.pad; y: Theme.pad
                    width: parent.width - 2 * Theme.pad
                    spacing: Theme.gap
                    Row {
                        spacing: Theme.gap
                        Icon { id: helpIcon; name: "hand"; color: Theme.red; size: Math.round(Theme.body * 1.3) }
                        BodyText { objectName: "tech:helpSince"; width: helpCol.width - helpIcon.width - Theme.gap
                                   text: Help.since; font.bold: true; color: Theme.red }
                    }
                    ActionButton { objectName: "tech:clearHelp"; iconName: "check"; text: "已到场，清除求助"
                                   onClicked: Help.clear() }
                }
            }
            BodyText {
                objectName: "tech:notice"
                visible: Technician.notice !== ""
                width: parent.width
                text: Technician.notice
                font.bold: true
                color: Theme.blue
            }
            CauseLine {
                objectName: "tech:storeProblem"
                name: "tech:storeProblem"
                visible: (scr.info.storeProblem || "") !== ""
                words: scr.info.storeProblem || ""
                detail: scr.info.storeDetail || ""
                tone: Theme.red
            }

            Card {
                title: "本机"
                Pair { k: "终端编号"; v: Technician.terminalId; objectName: "tech:terminal" }
                Pair { k: "软件版本"; v: Technician.version }
                Pair { k: "内容版本"; v: scr.info.content || "……" }
                Pair { k: "磁盘空间"; v: scr.info.disk || "……"; bad: scr.info.diskLow === true; objectName: "tech:disk" }
            }

            Card {
                title: "发送队列"
                Flow {
                    width: parent.width
                    spacing: Theme.gap
                    Repeater {
                        model: scr.info.counts || []
                        delegate: Rectangle {
                            id: stateCount
                            required property var modelData
                            objectName: "count:" + modelData.state
                            property int count: modelData.count
                            width: Math.max(Math.round(Theme.body * 5.2), countCol.implicitWidth + 2 * Theme.gap)
                            height: countCol.implicitHeight + Theme.gap
                            radius: Theme.radius
                            color: modelData.state === "needs_attention" && modelData.count > 0 ? "#FBE9EA" : Theme.blueLight
                            Column {
                                id: countCol
                                anchors.centerIn: parent
                                Text { anchors.horizontalCenter: parent.horizontalCenter; text: stateCount.modelData.count
                                       font.family: Theme.fontFamily; font.pixelSize: Theme.heading; font.bold: true
                                       color: stateCount.modelData.state === "needs_attention" && stateCount.modelData.count > 0 ? Theme.red : Theme.blue }
                                Text { anchors.horizontalCenter: parent.horizontalCenter; text: stateCount.modelData.label
                                       font.family: Theme.fontFamily; font.pixelSize: Theme.body; color: Theme.text }
                            }
                        }
                    }
                }
                Pair { k: "最早待发送"; v: scr.info.oldest || "……"; objectName: "tech:oldest" }
                Pair { k: "平台连接"; v: scr.info.contact || "……"; bad: scr.info.contactBad === true; objectName: "tech:contact" }
                Pair { k: "本机时钟"; v: scr.info.clock || "……"; bad: scr.info.clockBad === true; objectName: "tech:clock" }
                Flow {
                    width: parent.width
                    spacing: Theme.gap
                    ActionButton { objectName: "tech:sync"; text: "立即发送"; iconName: "arrow-right"; onClicked: Technician.syncNow() }
                    ActionButton { objectName: "tech:reach"; text: Technician.reachBusy ? "正在测试网络……" : "测试网络连接"
                          iconName: "magnifier"; enabled: !Technician.reachBusy; onClicked: Technician.testConnectivity() }
                }
                Repeater {
                    model: Technician.reach
                    delegate: Column {
                        id: reachItem
                        required property var modelData
                        objectName: "reach:" + modelData.name
                        width: parent ? parent.width : 600
                        BodyText { width: parent.width; font.bold: true
                                 text: (reachItem.modelData.ok ? "✓ 连通　" : "✗ 不通　") + reachItem.modelData.name
                                 color: reachItem.modelData.ok ? Theme.text : Theme.red }
                        CauseLine { name: "reach:" + reachItem.modelData.name
                                    words: reachItem.modelData.ok ? "" : reachItem.modelData.words
                                    detail: reachItem.modelData.detail
                                    tone: Theme.red }
                    }
                }
            }

            // ---- the USB stick: the queue carried to the platform and its receipts back ----
            Card {
                objectName: "tech:carry"
                title: "U盘送件"
                Timer { interval: 2000; repeat: true; triggeredOnStart: true; running: scr.visible
                        onTriggered: Carry.look() }
                BodyText { objectName: "carry:stick"; width: parent.width; text: Carry.stickWords
                         font.bold: Carry.stick !== ""; color: Carry.stick !== "" ? Theme.text : Theme.muted }
                BodyText { width: parent.width; color: Theme.muted
                         text: "没有网络时：导出到U盘，把U盘交到平台导入；再把U盘插回本机，导入平台的回执。导出的申请在回执导入前一直留在本机排队。" }
                Flow {
                    width: parent.width
                    spacing: Theme.gap
                    ActionButton { objectName: "carry:export"; text: "导出到U盘"; iconName: "arrow-right"
                          enabled: Carry.stick !== "" && !Carry.busy; onClicked: Carry.exportToStick() }
                    ActionButton { objectName: "carry:import"; text: "从U盘导入回执"; iconName: "arrow-left"
                          enabled: Carry.stick !== "" && !Carry.busy; onClicked: Carry.importFromStick() }
                }
                Column {
                    objectName: "carry:progress"
                    visible: Carry.busy || Carry.progress > 0
                    width: parent.width
                    spacing: Math.round(Theme.gap / 2)
                    property real value: Carry.progress
                    Rectangle {
                        width: parent.width; height: Math.round(Theme.body * 0.9); radius: height / 2
                        color: Theme.blueLight; border.width: 2; border.color: Theme.blue
                        Rectangle { width: Math.max(height, parent.width * Carry.progress); height: parent.height
                                    radius: height / 2; color: Theme.blue; visible: Carry.progress > 0 }
                    }
                    BodyText { width: parent.width
                             text: (Carry.busy ? "正在处理，请不要拔出U盘……" : "完成") + "　" + Math.round(Carry.progress * 100) + "%" }
                }
                BodyText { objectName: "carry:result"; visible: Carry.result !== ""; width: parent.width
                         text: Carry.result; font.bold: true; color: Carry.resultBad ? Theme.red : Theme.blue }
            }

            // ---- 绑定代办员: a proxy station's agent, with the platform's one-time code ----
            Card {
                id: bindCard
                objectName: "tech:bindAgent"
                visible: Agents.proxyStation
                title: "绑定代办员"
                component Slot: ActionButton {
                    property string field
                    property string label
                    property string shown
                    width: parent.width
                    selected: AgentBind.field === field
                    text: label + "：" + (shown !== "" ? shown : "点这里，再用下面的数字键输入")
                    onClicked: AgentBind.select(field)
                }
                BodyText { width: parent.width; color: Theme.muted
                         text: "请代办员在场：输入平台给的8位绑定码，再请代办员设置密码（6到12位数字），输两次。需要联网。" }
                Slot { objectName: "bind:code"; field: "code"; label: "绑定码"; shown: AgentBind.code }
                ProblemLine { objectName: "bind:problem:code"; width: parent.width; visible: text !== ""; text: AgentBind.problems["code"] || "" }
                Slot { objectName: "bind:pin"; field: "pin"; label: "密码"; shown: "●".repeat(AgentBind.pinLength) }
                ProblemLine { objectName: "bind:problem:pin"; width: parent.width; visible: text !== ""; text: AgentBind.problems["pin"] || "" }
                Slot { objectName: "bind:pin_again"; field: "pin_again"; label: "再输一次密码"
                       shown: "●".repeat(AgentBind.pinAgainLength) }
                ProblemLine { objectName: "bind:problem:pin_again"; width: parent.width; visible: text !== ""; text: AgentBind.problems["pin_again"] || "" }
                Grid {
                    id: bindKeys
                    columns: Session.elderly && !Shell.landscape ? 4 : 6  // 大字: keys of 120 px and more
                    spacing: Theme.gap
                    Repeater {
                        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "删除"]
                        delegate: ActionButton {
                            required property string modelData
                            objectName: "bindKey:" + modelData
                            width: Math.floor((bindCard.width - 2 * Theme.pad - (bindKeys.columns - 1) * Theme.gap)
                                              / bindKeys.columns)
                            enabled: !AgentBind.busy
                            text: modelData
                            onClicked: modelData === "删除" ? AgentBind.backspace() : AgentBind.press(modelData)
                        }
                    }
                }
                Flow {
                    width: parent.width
                    spacing: Theme.gap
                    ActionButton { objectName: "bind:ok"; primary: true; text: AgentBind.busy ? "正在绑定……" : "绑定"
                                   iconName: "check"; enabled: !AgentBind.busy; onClicked: AgentBind.bind() }
                    ActionButton { objectName: "bind:clear"; text: "清空"; iconName: "trash"
                                   enabled: !AgentBind.busy; onClicked: AgentBind.clear() }
                }
                BodyText { objectName: "bind:result"; visible: AgentBind.result !== ""; width: parent.width
                         text: AgentBind.result; font.bold: true; color: AgentBind.resultBad ? Theme.red : Theme.blue }
            }

            Card {
                title: "需要处理的提交（" + (scr.info.attention ? scr.info.attention.length : 0) + "）"
                BodyText {
                    visible: !scr.info.attention || scr.info.attention.length === 0
                    width: parent.width
                    text: "没有需要处理的提交"
                    color: Theme.muted
                }
                Repeater {
                    model: scr.info.attention || []
                    delegate: Column {
                        id: attentionItem
                        required property var modelData
                        width: parent ? parent.width : 600
                        spacing: Math.round(Theme.gap / 2)
                        Rectangle { width: parent.width; height: 2; color: Theme.line }
                        BodyText { width: parent.width; font.bold: true
                                 text: "回执号 " + attentionItem.modelData.receipt + "　" + attentionItem.modelData.kind }
                        BodyText { width: parent.width; color: Theme.muted
                                 text: "提交于 " + attentionItem.modelData.created + "　已尝试 " + attentionItem.modelData.attempts + " 次" }
                        CauseLine { name: "cause:" + attentionItem.modelData.receipt
                                    words: "原因：" + attentionItem.modelData.words
                                    detail: attentionItem.modelData.detail }
                        Flow {
                            width: parent.width
                            spacing: Theme.gap
                            ActionButton { objectName: "retry:" + attentionItem.modelData.receipt; text: "重试"; iconName: "arrow-right"
                                  onClicked: Technician.retry(attentionItem.modelData.id) }
                            ActionButton { objectName: "aside:" + attentionItem.modelData.receipt; text: "搁置"; iconName: "flag"
                                  onClicked: { scr.asideId = attentionItem.modelData.id; scr.asideReceipt = attentionItem.modelData.receipt; scr.asideCode = "" } }
                        }
                    }
                }
            }

            Card {
                title: "最近的警告和错误"
                BodyText {
                    visible: !scr.info.errors || scr.info.errors.length === 0
                    width: parent.width
                    text: "最近 7 天没有警告或错误"
                    color: Theme.muted
                }
                Repeater {
                    model: scr.info.errors || []
                    delegate: Column {
                        id: errorItem
                        required property var modelData
                        required property int index
                        objectName: "error:" + index
                        width: parent ? parent.width : 600
                        spacing: Math.round(Theme.gap / 2)
                        Rectangle { width: parent.width; height: 2; color: Theme.line }
                        BodyText { width: parent.width; font.bold: true
                                 text: errorItem.modelData.when + "　" + errorItem.modelData.level
                                 color: errorItem.modelData.level === "错误" ? Theme.red : Theme.text }
                        CauseLine { name: "error:" + errorItem.index
                                    key: errorItem.modelData.when + errorItem.modelData.detail
                                    words: errorItem.modelData.words
                                    detail: errorItem.modelData.detail }
                    }
                }
            }

            Card {
                title: "重新启动或退出"
                BodyText { width: parent.width; color: Theme.muted
                         text: "重新启动：界面关闭，几秒钟后自动重新打开首页。" }
                ActionButton { objectName: "tech:restart"; text: "重新启动"; iconName: "restart"
                      onClicked: scr.confirmWhat = "restart" }
                Rectangle { width: parent.width; height: 2; color: Theme.line }
                BodyText { width: parent.width; color: Theme.red
                         text: "退出自助服务：界面关闭，不会自动重新打开。" }
                ActionButton { objectName: "tech:leave"; text: "退出自助服务"; iconName: "power"; danger: true
                      onClicked: scr.confirmWhat = "leave" }
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
            y: Math.max(Theme.pad, Math.min((parent.height - height) / 2, parent.height - height - (Shell.keyboardOpen ? Shell.keyboardHeight : 0) - Theme.pad))
            width: Math.min(parent.width - 2 * Theme.pad, 1100)
            height: asideCol.implicitHeight + 2 * Theme.pad
            radius: Theme.radius
            color: Theme.surface
            Column {
                id: asideCol
                x: Theme.pad; y: Theme.pad
                width: parent.width - 2 * Theme.pad
                spacing: Theme.gap
                BodyText { width: parent.width; font.pixelSize: Math.round(Theme.heading * 0.8); font.bold: true
                         text: "搁置回执号 " + scr.asideReceipt + "\n请选择原因：" }
                Flow {
                    width: parent.width
                    spacing: Theme.gap
                    Repeater {
                        model: Technician.reasons
                        delegate: ActionButton {
                            required property var modelData
                            objectName: "reason:" + modelData.code
                            text: modelData.label
                            selected: scr.asideCode === modelData.code
                            onClicked: { scr.asideCode = modelData.code; reasonField.text = ""; Shell.doneTyping() }
                        }
                    }
                }
                BodyText { width: parent.width; text: "或填写其他原因（不要填写个人信息）：" }
                Rectangle {
                    width: parent.width
                    height: Math.max(Theme.target, reasonField.implicitHeight + Theme.gap)
                    radius: Theme.radius
                    color: Theme.surface
                    border.width: reasonField.activeFocus ? Math.round(4 * Theme.scale) : 2
                    border.color: reasonField.activeFocus ? Theme.blue : Theme.line
                    TextField {
                        id: reasonField
                        objectName: "reasonField"
                        anchors.fill: parent
                        anchors.margins: 4
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.body
                        color: Theme.text
                        background: null
                        leftPadding: Theme.gap
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
                    spacing: Theme.gap
                    ActionButton { objectName: "aside:cancel"; text: "取消"; iconName: "arrow-left"
                          onClicked: { Shell.doneTyping(); reasonField.text = ""; scr.asideId = "" } }
                    ActionButton { objectName: "aside:confirm"; primary: true; text: "确认搁置"; iconName: "check"
                          enabled: scr.asideCode !== "" || reasonField.text.trim() !== ""
                          onClicked: { Shell.doneTyping()  // commits what is being typed first
                                       Technician.setAside(scr.asideId, scr.asideCode, reasonField.text)
                                       reasonField.text = ""; scr.asideId = "" } }
                }
            }
        }
    }

    // ---- 重新启动 / 退出自助服务: what will happen, then a second tap; 取消 first ----
    Rectangle {
        id: confirmBox
        objectName: "techConfirm"
        anchors.fill: parent
        visible: scr.confirmWhat !== ""
        color: "#CC000000"
        z: 20
        MouseArea { anchors.fill: parent }
        readonly property bool leaving: scr.confirmWhat === "leave"
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.pad, Shell.landscape ? 1500 : 1100)
            // Never taller than the screen: what does not fit scrolls inside the box.
            height: Math.min(confirmCol.implicitHeight + 2 * Theme.pad, parent.height - 2 * Theme.gap)
            radius: Theme.radius
            color: Theme.surface
            border.width: confirmBox.leaving ? Math.round(4 * Theme.scale) : 0
            border.color: Theme.red
            Flickable {
                anchors.fill: parent
                anchors.margins: Theme.pad
                contentHeight: confirmCol.implicitHeight
                boundsBehavior: Flickable.StopAtBounds
                clip: true
                Column {
                    id: confirmCol
                    width: parent.width
                    spacing: Theme.pad
                    BodyText { objectName: "techConfirm:title"; width: parent.width; font.pixelSize: Theme.heading; font.bold: true
                             color: confirmBox.leaving ? Theme.red : Theme.text
                             text: confirmBox.leaving ? "退出自助服务？" : "重新启动自助服务？" }
                    BodyText { objectName: "techConfirm:what"; width: parent.width
                             text: confirmBox.leaving
                                   ? "• 界面关闭，不会自动重新打开，市民不能再使用本机；\n"
                                     + "• 要恢复：重新开机，或运行 systemctl start petition-kiosk-ui；\n"
                                     + "• 已确认的提交都保存在本机，发送程序照常发送。"
                                   : "• 界面关闭，几秒钟后自动重新打开首页；\n"
                                     + "• 已确认的提交都保存在本机，发送程序照常发送。" }
                    Flow {
                        id: confirmButtons
                        width: parent.width
                        spacing: Theme.gap
                        // Side by side in landscape (no height to spare), one above the other in portrait.
                        readonly property int buttonWidth: Shell.landscape ? (width - spacing) / 2 : width
                        ActionButton { objectName: "techConfirm:secondary"; width: confirmButtons.buttonWidth
                              text: "取消，回到维护界面"; iconName: "arrow-left"
                              onClicked: scr.confirmWhat = "" }
                        ActionButton { objectName: "techConfirm:primary"; width: confirmButtons.buttonWidth
                              danger: confirmBox.leaving; primary: !confirmBox.leaving
                              iconName: confirmBox.leaving ? "power" : "restart"
                              text: confirmBox.leaving ? "确认退出自助服务" : "确认重新启动"
                              onClicked: { let what = scr.confirmWhat; scr.confirmWhat = ""
                                           if (what === "leave") Technician.leave(); else Technician.restart() } }
                    }
                }
            }
        }
    }
}
