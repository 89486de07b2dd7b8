pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk
import Kiosk.ViewModels

// 查询办理进度: the receipt number and the phone's last 4 digits on the digit pad, then the
// case in plain words (status, the dates ahead, what happened), or, when the platform
// cannot be reached, the platform's QR code to ask by phone. Everything here is the
// view-model Query's; the read runs off the GUI thread, so the screen never waits.
Flickable {
    id: page
    objectName: "queryPage"
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * Theme.pad
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    // The page goes on below the screen: the cue says so (the receipt's QR code, the query's
    // fields and actions in 大字).
    readonly property int cueRoom: cue.room
    ScrollCue { id: cue; flick: page }
    Component.onCompleted: Shell.currentFlick = page
    readonly property string shownPage: Query.page
    onShownPageChanged: { Shell.closePad(); page.contentY = 0 }

    component SectionTitle: Text {
        width: col.width
        font.family: Theme.fontFamily; font.pixelSize: Math.round(Theme.body * 1.15); font.bold: true
        color: Theme.blue; wrapMode: Text.Wrap; lineHeight: 1.3
    }
    // One dated line: the date on the left (or above, when narrow), what happened beside it.
    component DatedLine: Grid {
        id: dl
        required property var modelData
        property bool strong: false
        width: col.width
        columns: dateText.implicitWidth + Theme.gap + 8 * Theme.body < width ? 2 : 1
        columnSpacing: Theme.gap
        BodyText { id: dateText; text: dl.modelData.when; font.bold: true; width: Math.min(implicitWidth, dl.width) }
        BodyText { text: dl.modelData.text; font.bold: dl.strong; width: dl.columns === 2 ? dl.width - dateText.width - Theme.gap : dl.width }
    }

    Column {
        id: col
        x: Math.max(Theme.pad, (page.width - Shell.contentMax) / 2)
        y: Theme.pad
        width: page.width - 2 * x
        spacing: Theme.gap

        // ---- entry: what is on the receipt, and the second factor ----
        Column {
            objectName: "query:entry"
            visible: Query.page === "entry"
            width: col.width
            spacing: Theme.gap
            BodyText { width: col.width; color: Theme.muted
                       text: "请输入回执上的回执编号（或查询码），再输入您申请时留的手机号码的最后4位，然后按“查询”。" }
            // What the citizen holds: this terminal's receipt, or a query code from elsewhere.
            Flow {
                width: col.width
                spacing: Theme.gap
                Repeater {
                    model: [["receipt", "用回执编号查询"], ["code", "用查询码查询"]]
                    delegate: ActionButton {
                        required property var modelData
                        objectName: "query:by:" + modelData[0]
                        text: modelData[1]
                        selected: Query.by === modelData[0]
                        onClicked: { Shell.closePad(); numberField.value = ""; Query.setBy(modelData[0]) }
                    }
                }
            }
            // With a camera: the receipt's QR code instead of typing the number.
            ActionButton {
                objectName: "btn:scanReceipt"
                visible: Session.cameraAvailable && Query.by === "receipt" && !scanLoader.active
                iconName: "camera"
                text: "扫回执上的二维码"
                onClicked: { Shell.closePad(); scanLoader.active = true }
            }
            Loader {
                id: scanLoader
                objectName: "query:scan"
                active: false
                width: col.width
                // By URL, so QtMultimedia loads only when there is a camera.
                source: "../ReceiptScan.qml"
                Connections {
                    target: scanLoader.item
                    ignoreUnknownSignals: true
                    function onClosed() { scanLoader.active = false }
                }
            }
            Connections {
                target: Camera
                // Query has the number already (ui/app.py); the field shows it, as if typed
                function onReceiptRead(number: string) { scanLoader.active = false; numberField.value = number }
            }
            DigitField {
                id: numberField
                own: true
                path: "query.number"
                kind: Query.by === "code" ? "code" : "receipt"
                label: Query.by === "code" ? "查询码（8位，只有数字2-9和字母）" : "回执编号（回执上的10位数字）"
                problem: Query.problems["number"] || ""
                onEdited: (value) => Query.setNumber(value)
            }
            DigitField {
                id: phoneField
                own: true
                path: "query.phone_last4"
                kind: "last4"
                label: "手机号码的最后4位"
                problem: Query.problems["phone_last4"] || ""
                onEdited: (value) => Query.setPhoneLast4(value)
            }
            Connections {
                target: Query
                // a reset (a new visitor) empties the fields as well
                function onChanged() {
                    if (Query.number === "" && numberField.value !== "") numberField.value = ""
                    if (Query.phoneLast4 === "" && phoneField.value !== "") phoneField.value = ""
                }
            }
            // Not found, or wait: said plainly, next to what was typed (which stays).
            Rectangle {
                objectName: "query:message"
                visible: Query.message !== ""
                width: col.width
                height: messageLine.implicitHeight + Theme.gap
                color: Theme.surface
                border.color: Theme.red
                border.width: 3
                radius: Theme.radius
                ProblemLine { id: messageLine; objectName: "query:messageText"; x: Theme.gap / 2; y: Theme.gap / 2; width: parent.width - Theme.gap; text: Query.message }
            }
            ActionButton {
                objectName: "btn:query"
                primary: true
                iconName: "magnifier"
                text: Query.busy ? "正在查询，请稍候……" : "查询"
                enabled: !Query.busy
                width: Math.min(col.width, Math.round(Theme.target * 5))
                onClicked: { Shell.closePad(); Query.submit() }
            }
            InfoBox {
                width: col.width
                text: Query.by === "code" ? "查询码由受理平台给出，任何一台机器都可以查询。"
                                          : "回执编号只能在打印回执的这台机器上查询。在其他地方提交的，请用查询码查询。"
            }
        }

        // ---- a case, or a receipt confirmed here and not delivered yet ----
        Column {
            objectName: "query:result"
            visible: Query.page === "found" || Query.page === "pending"
            width: col.width
            spacing: Theme.gap
            Rectangle {
                width: col.width
                height: statusCol.implicitHeight + 2 * Theme.gap
                color: Theme.blueLight
                radius: Theme.radius
                border.color: Theme.blue
                border.width: 2
                Column {
                    id: statusCol
                    x: Theme.gap; y: Theme.gap
                    width: parent.width - 2 * Theme.gap
                    spacing: Math.round(Theme.gap / 2)
                    BodyText { width: parent.width; text: Query.result.kind || ""; color: Theme.blue }
                    Text {
                        objectName: "query:status"
                        width: parent.width
                        text: Query.result.status || ""
                        font.family: Theme.fontFamily; font.pixelSize: Theme.heading; font.bold: true
                        color: Theme.blue; wrapMode: Text.Wrap; lineHeight: 1.3
                    }
                    BodyText { objectName: "query:statusText"; width: parent.width; text: Query.result.statusText || "" }
                    BodyText { visible: !!Query.result.caseNo; width: parent.width
                               text: "办理编号：" + (Query.result.caseNo || "") }
                }
            }
            // ---- what this terminal keeps for the case: material, a withdrawal, a rating ----
            Repeater {
                model: Query.result.held || []
                delegate: InfoBox { required property string modelData; objectName: "query:held"; width: col.width; iconName: "check"; text: modelData }
            }
            // ---- 补充材料 (Art. 14): only while the office waits for material; first, as
            // what the citizen has to do now ----
            Rectangle {
                objectName: "query:material"
                visible: Query.result.canSupplement === true
                width: col.width
                height: materialCol.implicitHeight + 2 * Theme.gap
                color: Theme.surface
                radius: Theme.radius
                border.color: Theme.blue
                border.width: 3
                Column {
                    id: materialCol
                    x: Theme.gap; y: Theme.gap
                    width: parent.width - 2 * Theme.gap
                    spacing: Theme.gap
                    // what is missing is said once, in the status above; here, by when
                    BodyText { width: parent.width; font.bold: true
                               text: "请在 " + (Query.result.materialDue || "") + " 以前补充。" }
                    BodyText { width: parent.width
                               text: "补充的材料送到的那一天，算作收到您申请的日子。" }
                    ActionButton {
                        objectName: "btn:openSupplement"
                        primary: true
                        iconName: "camera"
                        text: "补充材料"
                        onClicked: Query.openSupplement()
                    }
                }
            }
            SectionTitle { visible: (Query.result.ahead || []).length > 0; text: "接下来（法定期限）" }
            Repeater {
                model: Query.result.ahead || []
                delegate: DatedLine { strong: true }
            }
            Repeater {
                model: Query.result.rules || []
                delegate: BodyText { required property string modelData; width: col.width; color: Theme.muted; text: modelData }
            }
            Repeater {
                model: Query.result.notes || []
                delegate: InfoBox { required property string modelData; width: col.width; text: modelData }
            }
            SectionTitle { text: "办理经过" }
            Repeater {
                model: Query.result.history || []
                delegate: DatedLine { }
            }
            // ---- 评价: the handling of an answered case (好差评), by choice ----
            Column {
                objectName: "query:evaluationSlot"
                visible: Query.result.canRate === true
                width: col.width
                spacing: Theme.gap
                BodyText { width: col.width; text: "您可以评价这件事的办理情况。评价是自愿的，不评价不影响什么。" }
                ActionButton {
                    objectName: "btn:openRate"
                    iconName: "chart"
                    text: "评价办理情况"
                    onClicked: Query.openRate()
                }
            }
            // ---- 撤回申请 (Art. 17): before the opinion ----
            ActionButton {
                objectName: "btn:openWithdraw"
                visible: Query.result.canWithdraw === true
                iconName: "cross"
                text: "撤回这件申请"
                onClicked: Query.openWithdraw()
            }
            ActionButton {
                objectName: "btn:queryAgain"
                iconName: "magnifier"
                text: "查询其他申请"
                onClicked: Query.again()
            }
        }

        // ---- 补充材料: pages photographed one by one, then sealed and queued ----
        Column {
            objectName: "query:supplement"
            visible: Query.page === "supplement"
            width: col.width
            spacing: Theme.gap
            SectionTitle { text: "补充材料" }
            BodyText { width: col.width; font.bold: true
                       text: "需要补充：" + (Query.result.materialNote || "请看办理单位的告知") }
            InfoBox {
                objectName: "supplement:noCamera"
                visible: !Session.cameraAvailable && Query.pageCount === 0
                width: col.width
                iconName: "camera"
                text: "这台机器没有连接摄像头，不能在这里拍照补充。请在 " + (Query.result.materialDue || "规定期限")
                      + " 以前，把材料带到办理单位的窗口，或请工作人员帮您补充。"
            }
            BodyText {
                objectName: "supplement:count"
                width: col.width
                text: Query.pageCount > 0
                      ? "已经拍了 " + Query.pageCount + " 页。还有就接着拍，拍完按“提交补充材料”。"
                      : "把材料放在摄像头下面，一页一页地拍。"
            }
            Loader {
                id: supplementCamera
                width: col.width
                active: Query.page === "supplement" && Session.cameraAvailable
                // By URL, so QtMultimedia loads only when there is a camera.
                source: "../CameraShot.qml"
                onLoaded: { item.oneShot = false; item.role = Query.supplementRole }  // qmllint disable missing-property
            }
            ActionButton {
                objectName: "btn:retakePages"
                visible: Query.pageCount > 0
                iconName: "trash"
                text: "重拍（删掉已拍的）"
                onClicked: Session.removePhotos(Query.supplementRole)
            }
            ProblemLine { objectName: "supplement:problem"; visible: Query.actionMessage !== ""; width: col.width; text: Query.actionMessage }
            Flow {
                width: col.width
                spacing: Theme.gap
                ActionButton { objectName: "btn:supplementBack"; iconName: "arrow-left"; text: "返回"; onClicked: Query.backToResult() }
                ActionButton {
                    objectName: "btn:submitSupplement"
                    visible: Session.cameraAvailable || Query.pageCount > 0
                    primary: true
                    enabled: !Query.busy
                    iconName: "check"
                    text: Query.busy ? "正在保存……" : "提交补充材料"
                    onClicked: Query.submitSupplement()
                }
            }
        }

        // ---- 撤回申请: what it means, the signature, then queued ----
        Column {
            objectName: "query:withdraw"
            visible: Query.page === "withdraw"
            width: col.width
            spacing: Theme.gap
            SectionTitle { text: "撤回申请" }
            BodyText { width: col.width; text: "撤回以后，这件事就不再办理了。如果以后还要反映，需要重新提出。办理单位会确认您的撤回。" }
            BodyText { width: col.width; font.bold: true; text: "确定要撤回，请在下面的框里签名。" }
            SignaturePad { width: col.width; height: Math.round(Math.min(Theme.target * 3.2, page.height * 0.3)) }
            ActionButton { objectName: "btn:withdrawResign"; iconName: "edit"; text: "重新签名"; onClicked: Session.clearSignature() }
            ProblemLine { objectName: "withdraw:problem"; visible: Query.actionMessage !== ""; width: col.width; text: Query.actionMessage }
            Flow {
                width: col.width
                spacing: Theme.gap
                ActionButton { objectName: "btn:withdrawBack"; iconName: "arrow-left"; text: "不撤回，返回"; onClicked: Query.backToResult() }
                ActionButton {
                    objectName: "btn:submitWithdrawal"
                    primary: true
                    enabled: !Query.busy
                    iconName: "check"
                    text: Query.busy ? "正在保存……" : "确认撤回"
                    onClicked: Query.submitWithdrawal()
                }
            }
        }

        // ---- 评价 the handling of the answered case ----
        Column {
            objectName: "query:rate"
            visible: Query.page === "rate"
            width: col.width
            spacing: Theme.gap
            Loader {
                width: col.width
                active: Query.page === "rate"
                sourceComponent: EvaluationPanel { service: "case" }
            }
            Flow {
                width: col.width
                spacing: Theme.gap
                ActionButton { objectName: "btn:rateBack"; visible: !Evaluation.done; iconName: "arrow-left"; text: "不评价"
                               onClicked: { Evaluation.reset(); Query.backToResult() } }
                ActionButton {
                    objectName: "btn:submitCaseRating"
                    visible: !Evaluation.done
                    primary: true
                    enabled: Evaluation.level !== "" && !Evaluation.busy
                    iconName: "check"
                    text: "提交评价"
                    onClicked: Evaluation.submit()
                }
                ActionButton { objectName: "btn:rateDone"; visible: Evaluation.done; primary: true; iconName: "check"; text: "完成"
                               onClicked: { Evaluation.reset(); Query.backToResult() } }
            }
        }

        // ---- saved: what happens next ----
        Column {
            objectName: "query:done"
            visible: Query.page === "done"
            width: col.width
            spacing: Theme.gap
            InfoBox { objectName: "query:doneText"; width: col.width; iconName: "check"; text: Query.doneText }
            Flow {
                width: col.width
                spacing: Theme.gap
                ActionButton { objectName: "btn:doneBack"; iconName: "arrow-left"; text: "回到查询结果"; onClicked: Query.backToResult() }
                ActionButton { objectName: "btn:doneHome"; primary: true; iconName: "home"; text: "返回首页"; onClicked: Session.goHome() }
            }
        }

        // ---- the platform cannot be reached: say so, and offer the phone ----
        Column {
            objectName: "query:offline"
            visible: Query.page === "offline"
            width: col.width
            spacing: Theme.gap
            Rectangle {
                width: col.width
                height: offlineLine.implicitHeight + Theme.gap
                color: Theme.surface
                border.color: Theme.red
                border.width: 3
                radius: Theme.radius
                ProblemLine { id: offlineLine; objectName: "query:offlineText"; x: Theme.gap / 2; y: Theme.gap / 2; width: parent.width - Theme.gap
                              text: "现在连不上受理平台（网络不通），暂时查不了办理进度。" }
            }
            BodyText { width: col.width; text: "您的申请不会受影响。可以用手机扫描下面的二维码查询，或稍后再来。" }
            Flow {
                width: col.width
                spacing: Theme.gap * 2
                Repeater {
                    model: Session.platforms.slice(0, 2)
                    delegate: Column {
                        id: code
                        required property var modelData
                        width: 400
                        spacing: 4
                        Image {
                            objectName: "query:qr:" + code.modelData.name
                            width: 400; height: 400
                            source: code.modelData.qr
                            smooth: false
                            asynchronous: true
                            fillMode: Image.PreserveAspectFit
                        }
                        BodyText { width: parent.width; horizontalAlignment: Text.AlignHCenter; text: code.modelData.label }
                    }
                }
            }
            ActionButton {
                objectName: "btn:queryRetry"
                iconName: "magnifier"
                text: "重新查询"
                onClicked: Query.again()
            }
        }
    }
}
