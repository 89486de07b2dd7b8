import QtQuick
import QtQuick.Window
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
import Kiosk.ViewModels

// The kiosk window: header, the current step's screen, footer, keyboard and digit pad,
// dialogs, and the technician's screens over everything. What it measures and what the
// screens ask of it goes through Shell; everything else is the view-models'.
Window {
    id: win
    required property int initialWidth  // the canvas: the size the layout is made for
    required property int initialHeight
    required property bool windowed
    width: initialWidth
    height: initialHeight
    visible: false  // shown full-screen (or windowed) from Python
    flags: windowed ? Qt.Window : (Qt.Window | Qt.FramelessWindowHint)
    color: Theme.bg
    title: "网上信访自助服务"

    // Full-screen, the layout takes the screen as it is. In a desktop window it keeps the
    // canvas and is shown whole, scaled to the window (ui/fit.py sizes the window to the
    // screen's available area), so header and footer are never off-screen.
    readonly property int canvasWidth: windowed ? initialWidth : width
    readonly property int canvasHeight: windowed ? initialHeight : height
    readonly property real canvasScale: windowed ? Math.min(width / initialWidth, height / initialHeight) : 1
    readonly property bool landscape: canvasWidth > canvasHeight
    readonly property int contentMax: landscape ? Math.round(1400 * Math.max(1, Theme.scale * 0.9)) : canvasWidth
    readonly property DigitField digitTarget: Shell.digitTarget
    readonly property Field inkTarget: Shell.inkTarget  // 手写: the field the pad writes into
    // The keyboard's row height (ui/qml/QtQuick/VirtualKeyboard/Styles/kiosk: its style).
    // Landscape: keys about 100 px tall (≥ 88; 大字 ≥ 120), so the text being typed keeps
    // some lines above it; portrait has the height for larger keys. Four rows.
    readonly property int kbDesignWidth: 1080  // the style's keyboardDesignWidth
    readonly property int kbRowHeight: landscape ? (Session.elderly ? 130 : 100) : (Session.elderly ? 160 : 130)
    // Room at each side of the landscape keyboard: 上一步 and 下一步 stay in their corners
    // beside it, as wide as nine keys of at least 0.85 × target leave.
    readonly property int kbGutter: Math.min(Math.round(Theme.target * 3.6),
                                             Math.floor((width - 9 * Math.round(Theme.target * 0.85)) / 2))
    readonly property Flickable currentFlick: Shell.currentFlick
    readonly property bool keyboardOpen: inputPanel.active
    // Landscape has no height to spare while typing: the keyboard takes the footer's middle,
    // 上一步 and 下一步 stay in their corners beside it; the digit pad docks at the right,
    // between header and footer.
    readonly property bool typingCompact: keyboardOpen && landscape
    // Where the screen ends: above the footer, the portrait keyboard or pad, the landscape keyboard.
    readonly property int screenBottom: Math.min(footer.visible ? footer.y : height,
                                                 keyboardArea.height > 0 ? keyboardArea.y : height)
    readonly property bool padBeside: landscape && (digitTarget !== null || inkTarget !== null)
    // What a field being typed in may take: the screen area above the keyboard.
    readonly property int typingRoom: loader.height - 2 * Theme.gap
    property Item revealTarget: null
    // Qt.inputMethod is a QInputMethod, which the QML tooling knows only as a QObject.
    readonly property var inputMethod: Qt.inputMethod

    // What the screens and components inside learn about the window, and ask of it.
    Binding { target: Shell; property: "landscape"; value: win.landscape }
    Binding { target: Shell; property: "contentMax"; value: win.contentMax }
    Binding { target: Shell; property: "windowHeight"; value: win.canvasHeight }
    Binding { target: Shell; property: "keyboardOpen"; value: win.keyboardOpen }
    Binding { target: Shell; property: "keyboardHeight"; value: inputPanel.height }
    Binding { target: Shell; property: "typingRoom"; value: win.typingRoom }
    Connections {
        target: Shell
        function onOpenPadRequested(field: DigitField) { win.openPad(field) }
        function onClosePadRequested() { win.closePad() }
        function onRevealRequested(item: Item) { win.reveal(item) }
        function onDoneTypingRequested() { win.doneTyping() }
        function onOpenInkRequested(field: Field) { win.openInk(field) }
        function onUseKeyboardRequested() { win.useKeyboard() }
    }

    function openPad(field: DigitField) {
        if (activeFocusItem) activeFocusItem.focus = false
        win.inputMethod.hide()
        Shell.inkTarget = null
        Shell.digitTarget = field
    }
    // 手写 in place of the keyboard: what Pinyin had half typed is kept, the keyboard goes,
    // and the field shows as the one being written in (without focus, so the keyboard
    // does not come back); the model opens on the view-model's worker.
    function openInk(field: Field) {
        win.inputMethod.commit()
        if (activeFocusItem) activeFocusItem.focus = false
        win.inputMethod.hide()
        Shell.digitTarget = null
        Shell.inkPreferred = true
        Shell.inkTarget = field
        Handwriting.prepare()
        win.reveal(field)
    }
    function useKeyboard() {
        let field = Shell.inkTarget
        Shell.inkPreferred = false
        Shell.inkTarget = null
        if (field) {
            field.input.forceActiveFocus()
            win.inputMethod.show()
        }
    }
    function closePad() { Shell.digitTarget = null }
    // Scrolls the field being edited fully into view; again whenever the keyboard or pad
    // changes the room left for the screen. A field taller than the room shows its box.
    function reveal(item: Item) {
        revealTarget = item
        Qt.callLater(doReveal)
        revealTimer.restart()  // once more after the layout has settled
    }
    Timer { id: revealTimer; interval: 60; onTriggered: win.doReveal() }
    onKeyboardOpenChanged: if (!keyboardOpen && !digitTarget) revealTarget = null
    onDigitTargetChanged: if (!digitTarget && !keyboardOpen) revealTarget = null
    onInkTargetChanged: if (!inkTarget && !keyboardOpen && !digitTarget) revealTarget = null
    Connections {
        target: win.currentFlick
        function onContentHeightChanged() { if (win.revealTarget) revealTimer.restart() }
        function onHeightChanged() { if (win.revealTarget) revealTimer.restart() }
    }
    function doReveal() {
        let item = revealTarget
        if (!currentFlick || !item || !item.visible) return
        let p = item.mapToItem(currentFlick.contentItem, 0, 0)
        let h = item.height
        let field = item as Field  // a text field taller than the room shows its box
        if (h + Theme.gap > currentFlick.height && field && field.box) {
            p = field.box.mapToItem(currentFlick.contentItem, 0, 0)
            h = field.box.height
        }
        // The "下面还有内容" band covers the page's bottom: what stands under it is not in view.
        let cueRoom = 0
        for (let child of currentFlick.children)
            if (child.objectName === "scrollCue" && child.visible) cueRoom = child.height
        let top = currentFlick.contentY, bottom = top + currentFlick.height - cueRoom
        if (p.y < top || p.y + h > bottom) {
            let y = Math.max(0, Math.min(p.y - Theme.gap, currentFlick.contentHeight - currentFlick.height))
            currentFlick.contentY = y
        }
    }
    function doneTyping() {
        win.inputMethod.commit()
        win.inputMethod.hide()
        if (activeFocusItem) activeFocusItem.focus = false
    }
    function clearInput() {
        revealTarget = null
        win.inputMethod.reset()
        win.inputMethod.hide()
        if (activeFocusItem) activeFocusItem.focus = false
        Shell.digitTarget = null
        Shell.inkTarget = null
    }

    // Test and tour hooks: the keyboard's engine, as a finger would drive it.
    function vkbClick(key, text) { InputContext.inputEngine.virtualKeyClick(key, text, Qt.NoModifier) }
    function vkbCandidates() {
        let m = InputContext.inputEngine.wordCandidateListModel, out = []
        for (let i = 0; i < m.count; i++) out.push(m.dataAt(i))
        return out
    }
    function vkbSelect(i) { InputContext.inputEngine.wordCandidateListModel.selectItem(i) }
    function vkbLocale() { return InputContext.locale }

    // The canvas, scaled as a whole. Every item below is written as the window's own and
    // moved onto it once made, so the layout reads the same whether scaled or not.
    Item {
        id: stage
        objectName: "stage"
        width: win.canvasWidth
        height: win.canvasHeight
        transformOrigin: Item.TopLeft
        scale: win.canvasScale
        x: Math.round((win.width - width * scale) / 2)
        y: Math.round((win.height - height * scale) / 2)
    }

    Component.onCompleted: {
        for (const item of Array.from(win.contentItem.children))
            if (item !== stage) item.parent = stage
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
        VirtualKeyboardSettings.locale = "zh_CN"
        // Never learn: nothing one citizen picks is suggested to the next.
        VirtualKeyboardSettings.inputMethodHints = Qt.ImhSensitiveData
        Shell.ready = true  // the measures are in Shell: the first screen may load
    }
    // Technician mode: whatever was being typed goes, and no question of the visitor's stays.
    readonly property string techMode: Technician.mode
    onTechModeChanged: { win.clearInput(); leaveDialog.visible = false }
    Connections {
        target: Session
        function onWiped() { win.clearInput(); Shell.inkPreferred = false; Shell.textTarget = null; leaveDialog.visible = false }
        function onScreenChanged() { if (Session.screen !== loader.screen) win.clearInput() }
    }

    // ---- header: where am I, and 求助 / 返回首页 / 再听一遍 / 语音 / 大字 always in the same place ----
    Rectangle {
        id: header
        objectName: "header"
        anchors { left: parent.left; right: parent.right; top: parent.top }
        // The receipt says 提交成功 up here, so its number stays in view above 完成.
        readonly property string title: Session.inFlow ? Session.stepText : Session.title
        // A screen's name is a heading; where it would need a second row, body size in one.
        readonly property int titleSize: Session.inFlow || headingMetrics.width > width - tools.width - tools.margin - 2 * Theme.pad
                                         ? Theme.body : Theme.heading
        TextMetrics { id: headingMetrics; font.family: Theme.fontFamily; font.pixelSize: Theme.heading; font.bold: true; text: header.title }
        // Elderly portrait: five equal tiles, icon above the word, one row.
        readonly property bool narrow: !win.landscape && Session.elderly
        // Five buttons in one row fit a normal portrait canvas, and leave a screen's name its
        // room beside them in elderly landscape, only without their icons (else the name
        // takes a second row, which the digit pad docked below pays for with keys < 120 px).
        readonly property bool wordsOnly: Session.elderly ? win.landscape : !win.landscape
        readonly property bool titleFits: !narrow && titleMetrics.width <= width - tools.width - tools.margin - 2 * Theme.pad
        // One row always on a flow step (the page shows the step when it does not fit
        // here); a second row only for a title of a screen outside the flow.
        readonly property bool twoRows: title !== "" && !titleFits && !Session.inFlow
        TextMetrics { id: titleMetrics; font.family: Theme.fontFamily; font.pixelSize: header.titleSize; font.bold: true; text: header.title }
        readonly property int rowHeight: tools.height + Theme.gap
        height: rowHeight + (twoRows ? headerTitle.height + Theme.gap / 2 : 0)
        color: Theme.surface
        Rectangle { anchors { left: parent.left; right: parent.right; bottom: parent.bottom } height: 3; color: Theme.blue }
        Column {
            id: headerTitle
            visible: header.titleFits || header.twoRows
            x: Theme.pad
            y: header.twoRows ? header.rowHeight : (header.rowHeight - height) / 2
            width: header.twoRows ? header.width - 2 * Theme.pad : Math.max(100, tools.x - 2 * Theme.pad)
            Text {
                objectName: "headerTitle"
                width: parent.width
                text: header.title
                font.family: Theme.fontFamily
                font.pixelSize: header.titleSize
                font.bold: true
                color: Theme.blue
                elide: Text.ElideRight
            }
        }
        Row {
            id: tools
            // Elderly portrait: five tiles in 1080 px, each word on one line at 大字 size — the
            // margins, gaps (16 px, the least UX.md allows) and paddings as small as it takes,
            // 求助 (two characters) as narrow as a 大字 target may be (120 px), the other four
            // sharing the rest.
            // (and on any portrait canvas the right margin is halved, so a screen's name keeps
            // its place beside the five buttons)
            readonly property int margin: win.landscape ? Theme.pad : Math.round(Theme.pad / 2)
            anchors { right: parent.right; rightMargin: tools.margin }
            y: Math.round(Theme.gap / 2)
            spacing: header.narrow ? 16 : Math.round(Theme.gap / 2)
            readonly property int tileRoom: header.width - 2 * margin - 4 * spacing
            readonly property int helpTile: header.narrow ? Math.max(120, helpBtn.implicitWidth) : 0
            readonly property int tile: header.narrow ? Math.floor((tileRoom - helpTile) / 4) : 0
            readonly property int pads: header.narrow ? 8 : Math.round(Theme.gap / 2)
            // 求助: one tap on every screen calls the hall's staff (ui/helpdesk.py)
            ActionButton {
                id: helpBtn
                objectName: "btn:help"
                minWidth: header.narrow ? 120 : (win.landscape ? Theme.target : 88)
                text: "求助"
                iconName: "hand"
                vertical: header.narrow
                noIcon: header.wordsOnly
                textSize: header.narrow ? Theme.small : Theme.body
                leftPadding: tools.pads; rightPadding: tools.pads
                width: header.narrow ? tools.helpTile : implicitWidth
                onClicked: Help.call()
            }
            ActionButton {
                objectName: "btn:home"
                visible: !Session.atHome
                text: "返回首页"
                iconName: "home"
                vertical: header.narrow
                noIcon: header.wordsOnly
                textSize: header.narrow ? Theme.small : Theme.body
                leftPadding: tools.pads; rightPadding: tools.pads
                width: header.narrow ? tools.tile : implicitWidth
                onClicked: Session.leaveAsks ? leaveDialog.visible = true : Session.goHome()
            }
            ActionButton {
                id: replay
                objectName: "btn:replay"
                text: "再听一遍"
                iconName: "speaker"
                vertical: header.narrow
                noIcon: header.wordsOnly
                textSize: header.narrow ? Theme.small : Theme.body
                leftPadding: tools.pads; rightPadding: tools.pads
                width: header.narrow ? tools.tile : implicitWidth
                onClicked: Session.sayAgain()
            }
            Toggle {
                objectName: "btn:voice"
                label: "语音"
                on: Session.voice
                stacked: header.narrow
                width: header.narrow ? tools.tile : implicitWidth
                height: Math.max(implicitHeight, replay.implicitHeight)
                onClicked: Session.voice = !Session.voice
            }
            Toggle {
                objectName: "btn:elderly"
                label: "大字"
                on: Session.elderly
                stacked: header.narrow
                width: header.narrow ? tools.tile : implicitWidth
                height: Math.max(implicitHeight, replay.implicitHeight)
                onClicked: Session.elderly = !Session.elderly
            }
        }
    }
    Binding { target: Shell; property: "stepInPage"; value: Session.inFlow && !header.titleFits }

    // ---- the screen: one per flow step ----
    Loader {
        id: loader
        property string screen: Session.screen
        anchors { left: parent.left; right: parent.right; top: header.bottom }
        height: win.screenBottom - header.height
        anchors.rightMargin: win.padBeside ? (win.digitTarget ? digitPad.width : inkPad.width) : 0
        active: Shell.ready
        // A proxy station's home is the agent's (ui/agents.py): sign-in, or their session.
        source: screen === "home" && Agents.proxyStation ? Qt.resolvedUrl("AgentHome.qml")
                                                         : Qt.resolvedUrl("screens/" + screen + ".qml")
        onLoaded: if (item && item.hasOwnProperty("contentY")) Shell.currentFlick = item as Flickable
        onHeightChanged: if (win.revealTarget) revealTimer.restart()
        onWidthChanged: if (win.revealTarget) revealTimer.restart()
    }

    // ---- footer: 上一步 left, 下一步 right, in the same place on every step ----
    Rectangle {
        id: footer
        objectName: "footer"
        // At the bottom of the window whatever is open: the keyboard and the pad stand above
        // it (portrait) or beside its two buttons (landscape), never over them.
        visible: Session.inFlow
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: Math.max(Theme.target, next.implicitHeight) + Theme.gap
        color: Theme.surface
        // Beside the landscape keyboard, or the 大字 writing area standing in the footer's
        // middle: each button in its corner, as wide as the room there.
        readonly property bool narrow: win.typingCompact || (inkPad.visible && inkPad.intoFooter)
        readonly property int half: win.kbGutter - 2 * Theme.pad
        Rectangle { anchors { left: parent.left; right: parent.right; top: parent.top } height: 2; color: Theme.line }
        ActionButton {
            objectName: "btn:back"
            anchors { left: parent.left; leftMargin: Theme.pad; verticalCenter: parent.verticalCenter }
            text: "上一步"
            iconName: "arrow-left"
            noIcon: footer.narrow && Session.elderly
            width: footer.narrow ? footer.half : implicitWidth
            minWidth: Math.round(Theme.target * 2.6)
            onClicked: { win.clearInput(); Session.back() }
        }
        ActionButton {
            id: next
            objectName: "btn:next"
            anchors { right: parent.right; rightMargin: Theme.pad; verticalCenter: parent.verticalCenter }
            // A photo under review: 保留 is the one primary action, 下一步 waits for it.
            primary: Camera.state !== "review"
            text: Session.confirms ? "确认提交" : (Session.fromReview ? "改好了，回到核对" : "下一步")
            iconName: Session.confirms ? "check" : "arrow-right"
            noIcon: footer.narrow && Session.elderly
            width: footer.narrow ? footer.half : implicitWidth
            minWidth: Math.round(Theme.target * 3.2)
            enabled: !Session.busy
            onClicked: {
                if (Camera.undecided()) return
                win.doneTyping(); win.closePad(); Shell.closeInk(); Session.next()
            }
        }
    }

    // ---- the keyboard and the digit pad share the bottom of the screen ----
    Item {
        id: keyboardArea
        anchors { left: parent.left; right: parent.right; bottom: win.landscape || !footer.visible ? parent.bottom : footer.top }
        height: inputPanel.active ? inputPanel.height
                                  : win.landscape ? 0
                                  : win.digitTarget ? digitPad.height : (win.inkTarget ? inkPad.height : 0)
    }
    // Portrait: under the screen, full width. Landscape: a column at the right, beside the form.
    DigitPad {
        id: digitPad
        visible: win.digitTarget !== null
        target: win.digitTarget
        side: win.landscape
        anchors { right: parent.right; bottom: footer.visible ? footer.top : parent.bottom }
        width: side ? implicitWidth : win.canvasWidth
        height: side ? (footer.visible ? footer.y : win.canvasHeight) - header.height : implicitHeight
    }
    // 手写: where the keyboard was (portrait), or docked at the right as the digit pad (landscape).
    HandwritingPad {
        id: inkPad
        visible: win.inkTarget !== null
        target: win.inkTarget
        side: win.landscape
        reach: side && footer.visible ? footer.height : 0
        anchors { right: parent.right; bottom: footer.visible ? footer.top : parent.bottom }
        width: side ? implicitWidth : win.canvasWidth
        height: side ? (footer.visible ? footer.y : win.canvasHeight) - header.height : implicitHeight
    }
    InputPanel {
        id: inputPanel
        objectName: "inputPanel"
        width: win.landscape ? Math.min(win.canvasWidth - 2 * win.kbGutter, Math.round(win.canvasHeight * 1.35)) : win.canvasWidth
        anchors.horizontalCenter: parent.horizontalCenter
        y: active ? keyboardArea.y + keyboardArea.height - height : win.canvasHeight
        visible: active
        z: win.techMode !== "" ? 1000 : 0  // above the technician's screen when typing a reason
        // The style lays the keys out on a design width: the height that gives kbRowHeight.
        Binding {
            target: inputPanel.keyboard.style
            property: "keyboardDesignHeight"
            value: Math.round(4 * win.kbRowHeight * win.kbDesignWidth / inputPanel.width)
            when: inputPanel.keyboard.style !== null && inputPanel.width > 0
        }
    }

    // ---- 返回首页 in the middle of a petition asks first: nothing is lost by a slip ----
    QuestionDialog {
        id: leaveDialog
        objectName: "dialog:leave"
        message: "回到首页会清除您已经填写的内容。要回到首页吗？"
        primaryText: "继续填写"
        secondaryText: "清除并回到首页"
        onPrimary: leaveDialog.visible = false
        onSecondary: { leaveDialog.visible = false; Session.goHome() }
    }

    // ---- idle: ask, count down, then wipe ----
    QuestionDialog {
        objectName: "dialog:idle"
        visible: Idle.asking
        message: "还需要更多时间吗？\n" + Idle.remaining + " 秒后将清除您填写的内容，回到首页。"
        primaryText: "需要，继续办理"
        onPrimary: Idle.keepGoing()
    }

    // ---- 求助: said at once over the screen; what was being done stays behind it ----
    Rectangle {
        objectName: "helpOverlay"
        anchors.fill: parent
        visible: Help.showing
        color: "#CC000000"
        z: 150
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.pad, 1300)
            height: helpCol.implicitHeight + 2 * Theme.pad
            radius: Theme.radius
            color: Theme.surface
            Column {
                id: helpCol
                x: Theme.pad; y: Theme.pad
                width: parent.width - 2 * Theme.pad
                spacing: Theme.pad
                Row {
                    spacing: Theme.gap
                    Icon { id: helpIcon; name: "hand"; size: Theme.icon }
                    Text {
                        objectName: "helpComing"
                        width: helpCol.width - helpIcon.width - Theme.gap
                        text: Help.coming
                        wrapMode: Text.Wrap
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.heading
                        font.bold: true
                        color: Theme.blue
                    }
                }
                BodyText { width: parent.width; text: Help.comingMore }
                // the close button, at the box's bottom-right corner
                Item {
                    width: parent.width
                    height: helpClose.height
                    ActionButton { id: helpClose; objectName: "btn:helpClose"; anchors.right: parent.right
                                   primary: true; iconName: "check"; text: "知道了"
                                   minWidth: Math.round(Theme.target * 2.6); onClicked: Help.close() }
                }
            }
        }
    }

    // ---- confirming: the receipt appears only after the durable write ----
    Rectangle {
        anchors.fill: parent
        visible: Session.busy
        color: "#CC000000"
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.pad, 900)
            height: busyText.implicitHeight + 2 * Theme.pad
            radius: Theme.radius
            color: Theme.surface
            BodyText { id: busyText; anchors.centerIn: parent; width: parent.width - 2 * Theme.pad
                     horizontalAlignment: Text.AlignHCenter; text: "正在提交，请稍候……"; font.pixelSize: Theme.heading }
        }
    }

    // ---- technician mode: the PIN pad, then the maintenance screen, over everything ----
    Loader {
        objectName: "techPinLoader"
        anchors.fill: parent
        z: 200
        active: win.techMode === "pin"
        source: Qt.resolvedUrl("TechnicianPinPad.qml")
    }
    Loader {
        objectName: "techScreenLoader"
        anchors.fill: parent
        z: 200
        active: win.techMode === "screen"
        source: Qt.resolvedUrl("TechnicianScreen.qml")
    }
}
