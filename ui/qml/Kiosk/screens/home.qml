pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk
import Kiosk.ViewModels

// The attract screen: what the kiosk is for, how it works, QR codes to go on by phone,
// and 查询办理进度 for a citizen who already applied.
// Normal mode fits both canvases without scrolling (it is read from a distance);
// 大字 mode may scroll, but the two entries stay at the top.
Flickable {
    id: page
    objectName: "homePage"
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * Theme.gap
    clip: true
    interactive: contentHeight > height
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    // 大字 scrolls: the band says so, and 手机扫码办理 brings the codes up in one tap.
    ScrollCue { id: cue; flick: page }
    readonly property int cueRoom: cue.room
    function showCodes() {
        contentY = Math.max(0, Math.min(qrHeading.y + col.y - Theme.gap, contentHeight - height))
    }
    // Landscape, normal size: entries, steps and notice side by side above one row of codes.
    readonly property bool wide: Shell.landscape && !Session.elderly
    readonly property int qrColumns: col.width >= 4 * 400 + 3 * Theme.gap ? 4 : 2
    // 400 px: scannable from 1 m, and four of them fit either canvas without scrolling.
    readonly property int qrSide: 400

    TextMetrics { id: stepLabel; font.family: Theme.fontFamily; font.pixelSize: Theme.small; text: "4 领取回执" }

    component EntryButton: ActionButton {
        primary: true
        iconSize: Math.round(Theme.icon * 1.4)
        textSize: Math.round(Theme.heading * 0.9)
    }
    // 查询办理进度: as large as the entries, drawn as the secondary action it is.
    component QueryButton: EntryButton {
        objectName: "btn:startQuery"
        primary: false
        height: Math.max(implicitHeight, Math.round(Theme.target * 1.2))
        iconName: "magnifier"; text: "查询办理进度"; hint: "凭回执编号查询"
        onClicked: { Query.reset(); Session.startQuery() }
    }
    // Operating steps as a picture: numbered circles with icons, in a row, a 2×2 grid or a column.
    component Steps: Rectangle {
        id: stepsBox
        property bool column: false
        readonly property int inner: width - 2 * Theme.gap
        readonly property int circle: Math.round(Theme.icon * 1.25)
        readonly property int columns: column ? 1 : (inner / 4 >= stepLabel.width + Theme.gap ? 4 : 2)
        readonly property int cell: (inner - (columns - 1) * Theme.gap) / columns
        // Icon beside its label when the cell is wide enough, otherwise above it.
        readonly property bool beside: cell >= circle + Theme.gap + stepLabel.width + 8
        implicitHeight: stepsGrid.y + stepsGrid.implicitHeight + Theme.gap
        color: Theme.surface
        radius: Theme.radius
        border.color: Theme.line
        border.width: 2
        Text { id: stepsTitle; x: Theme.gap; y: Math.round(Theme.gap / 2); text: "操作流程"; font.family: Theme.fontFamily; font.pixelSize: Theme.body; font.bold: true; color: Theme.blue }
        Grid {
            id: stepsGrid
            x: Theme.gap
            y: stepsTitle.y + stepsTitle.implicitHeight + Math.round(Theme.gap / 2)
            columns: stepsBox.columns
            columnSpacing: Theme.gap
            rowSpacing: Math.round(Theme.gap / (stepsBox.column ? 3 : 2))
            Repeater {
                model: [["1", "document", "选择事项"], ["2", "pen", "填写信息"], ["3", "sign", "核对签名"], ["4", "qr", "领取回执"]]
                delegate: Grid {
                    id: step
                    required property var modelData
                    width: stepsBox.cell
                    columns: stepsBox.beside ? 2 : 1
                    spacing: Math.round(Theme.gap / 2)
                    horizontalItemAlignment: stepsBox.beside ? Grid.AlignLeft : Grid.AlignHCenter
                    verticalItemAlignment: Grid.AlignVCenter
                    Rectangle {
                        width: stepsBox.circle; height: width; radius: width / 2
                        color: Theme.blueLight
                        border.color: Theme.blue; border.width: 2
                        Icon { anchors.centerIn: parent; name: step.modelData[1]; size: Math.round(Theme.icon * 0.8) }
                    }
                    Text {
                        width: stepsBox.beside ? stepsBox.cell - stepsBox.circle - Math.round(Theme.gap / 2) : stepsBox.cell
                        horizontalAlignment: stepsBox.beside ? Text.AlignLeft : Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: step.modelData[0] + " " + step.modelData[2]
                        font.family: Theme.fontFamily; font.pixelSize: Theme.small; color: Theme.text
                    }
                }
            }
        }
    }
    // Short lines, one thought each: read standing, from a step back.
    component Notice: Rectangle {
        implicitHeight: notice.implicitHeight + Math.round(Theme.gap * 1.5)
        color: Theme.surface
        radius: Theme.radius
        border.color: Theme.line
        border.width: 2
        Column {
            id: notice
            x: Theme.gap; y: Math.round(Theme.gap / 2)
            width: parent.width - 2 * Theme.gap
            Text { text: "网上信访须知"; font.family: Theme.fontFamily; font.pixelSize: Theme.body; font.bold: true; color: Theme.blue }
            Repeater {
                model: ["如实反映问题，一件事提交一次。",
                        "个人信息只用于办理您的事项。",
                        "凭回执编号查询办理进度。",
                        "需要帮助，请找工作人员。",
                        "用手机扫下方二维码也能办理。"]
                // The typeface's own line spacing (≈ 1.45 em) keeps the lines ≥ 1.3 apart.
                // (大字 mode says the last one as the heading above the codes.)
                delegate: BodyText { required property string modelData; required property int index
                                   visible: !(Session.elderly && index === 4)
                                   width: notice.width; text: "· " + modelData; font.pixelSize: Theme.small; lineHeight: 1.0 }
            }
        }
    }

    Column {
        id: col
        x: Theme.pad
        y: Theme.gap
        width: page.width - 2 * Theme.pad
        spacing: Theme.gap

        // ---- landscape: entries | steps | notice ----
        Row {
            visible: page.wide
            spacing: Theme.gap
            readonly property int entryW: Math.round(col.width * 0.28)
            readonly property int stepsW: Math.round(col.width * 0.18)
            readonly property int noticeW: Math.round(col.width * 0.33)
            Column {
                width: parent.entryW
                spacing: Theme.gap
                EntryButton {
                    objectName: "btn:petition"
                    width: parent.width
                    height: Math.max(implicitHeight, Math.round(Theme.target * 1.5))
                    iconName: "pen"; text: "我要信访"; hint: "反映新的问题"
                    onClicked: Session.start("petition")
                }
                EntryButton {
                    objectName: "btn:review"
                    width: parent.width
                    height: Math.max(implicitHeight, Math.round(Theme.target * 1.5))
                    iconName: "review"; text: "申请复查、复核"; hint: "对收到的意见书不满意"
                    onClicked: Session.start("review")
                }
            }
            Steps { id: wideSteps; column: true; width: parent.stepsW; height: Math.max(implicitHeight, wideNotice.height) }
            Notice { id: wideNotice; width: parent.noticeW; height: implicitHeight }
            // Beside the notice, as tall as the row: the codes below keep their room.
            QueryButton { vertical: true; textSize: Math.round(Theme.heading * 0.8)
                          width: col.width - parent.entryW - parent.stepsW - parent.noticeW - 3 * Theme.gap
                          height: wideSteps.height }
        }

        // ---- portrait (and 大字 landscape): the two entries first, equal in size ----
        Grid {
            visible: !page.wide
            // 大字 portrait: one above the other, so "申请复查、复核" stays on one line.
            columns: Session.elderly && !Shell.landscape ? 1 : 2
            spacing: Theme.gap
            readonly property int tileW: (col.width - (columns - 1) * Theme.gap) / columns
            readonly property int tileH: Math.max(petitionTile.implicitHeight, reviewTile.implicitHeight,
                                                  Math.round(Theme.target * 1.4))
            EntryButton {
                id: petitionTile
                objectName: "btn:petition"
                width: parent.tileW; height: parent.tileH
                iconName: "pen"; text: "我要信访"; hint: "反映新的问题"
                onClicked: Session.start("petition")
            }
            EntryButton {
                id: reviewTile
                objectName: "btn:review"
                width: parent.tileW; height: parent.tileH
                iconName: "review"; text: "申请复查、复核"; hint: "对收到的意见书不满意"
                onClicked: Session.start("review")
            }
        }
        // 大字: 查询办理进度 right under the entries, full width (the page may scroll)
        QueryButton { visible: !page.wide && Session.elderly; width: col.width }
        ActionButton {
            objectName: "btn:showCodes"
            visible: !page.wide && Session.elderly
            width: col.width
            iconName: "qr"; text: "用手机扫码办理"; hint: "点这里，二维码就在下面"
            onClicked: page.showCodes()
        }
        Steps { visible: !page.wide; width: col.width; height: implicitHeight }
        Row {
            visible: !page.wide
            spacing: Theme.gap
            Notice { id: tallNotice; width: Session.elderly ? col.width : Math.round(col.width * 0.6); height: implicitHeight }
            // Portrait: beside the notice, as tall as it, so the codes keep their room.
            QueryButton { visible: !Session.elderly; vertical: true; width: col.width - tallNotice.width - Theme.gap
                          height: tallNotice.height }
        }

        // ---- QR codes of the platforms and WeChat accounts, each named under it ----
        Text {
            id: qrHeading
            visible: Session.elderly
            text: "用手机扫码，也可以在网上办理"
            font.family: Theme.fontFamily; font.pixelSize: Theme.body; font.bold: true; color: Theme.blue
        }
        Grid {
            id: qrGrid
            x: Math.round((col.width - width) / 2)
            columns: page.qrColumns
            columnSpacing: page.qrColumns === 4 ? Math.floor((col.width - 4 * page.qrSide) / 3) : Theme.gap * 2
            rowSpacing: Math.round(Theme.gap / 2)
            Repeater {
                model: Session.platforms
                delegate: Column {
                    id: platform
                    required property var modelData
                    width: page.qrSide
                    spacing: 4
                    Image {
                        objectName: "qr:" + platform.modelData.name
                        readonly property bool loading: status === Image.Loading
                        width: page.qrSide; height: page.qrSide
                        source: platform.modelData.qr
                        smooth: false
                        asynchronous: true
                        fillMode: Image.PreserveAspectFit
                    }
                    Text {
                        width: parent.width
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: platform.modelData.label
                        font.family: Theme.fontFamily; font.pixelSize: Theme.small; color: Theme.text
                    }
                }
            }
        }
    }
}
