pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// 手写: where the keyboard was, a large writing area and a row of large candidates.
// Each stroke is recognised as it ends (on the view-model's worker); a tap on a candidate
// puts the character into the field at the cursor and clears the area for the next one.
//   portrait:  candidates in one row above; right of the area 重写 · 删除 · 拼音 · 收起
//   landscape: docked at the right (as the digit pad), candidates in two columns beside
//              the area, the four keys in a column of their own at the right
// The area is 640 px square (大字 800, shared/UX.md). In landscape 大字 the height between
// header and footer is less than 800: the area then reaches down into the footer's middle
// (`reach`), as the landscape keyboard does, while 上一步 and 下一步 keep their corners and
// the candidates and keys stay above the footer. The strokes are the view-model's, in
// memory only.
Rectangle {
    id: pad
    objectName: "handwritingPad"
    property Field target: null  // the text field it writes into
    property bool side: false  // docked at the right of a landscape screen
    property int reach: 0  // landscape: how far below the pad the writing area may go (the footer's middle)
    color: "#DCE3EE"
    readonly property int gap: Math.round(Theme.gap * 0.75)
    readonly property int keyH: Theme.target
    readonly property int wanted: Session.elderly ? 800 : 640
    readonly property int area: side ? Math.min(wanted, height + reach - 2 * gap) : wanted
    // What stays above the footer: the candidates and the keys.
    readonly property int column: side ? Math.min(area, height - 2 * gap) : area
    // The writing area stands in the footer's middle: the footer's buttons keep to their corners.
    readonly property bool intoFooter: side && area > height - 2 * gap
    // Landscape 大字: the area reaches into the footer, and the page beside keeps room for a
    // whole ID number (about 530 px in 大字): candidates as narrow as a target may be (0.8 of
    // it: 120 px, still UX.md's 大字 minimum), the keys' column as wide as their words.
    readonly property bool tight: side && wanted + 2 * gap > height
    readonly property int candidateW: tight ? Math.round(Theme.target * 0.8) : keyH
    readonly property int keyColumn: side ? Math.round(keyH * (tight ? 1 : 1.3)) : width - area - 3 * gap
    readonly property int candidateColumn: 2 * candidateW + gap  // landscape: two columns of candidates
    readonly property bool recognising: Handwriting.busy  // the shown candidates are about to change
    property var current: []  // the stroke being drawn: [{x, y}, …]

    implicitWidth: side ? area + candidateColumn + keyColumn + 4 * gap : 1080
    implicitHeight: side ? area + 2 * gap : keyH + area + 3 * gap

    // The candidates that fit in large keys: one row (portrait) or a two-column grid (landscape).
    readonly property int candidateSlots: side ? 2 * Math.max(1, Math.floor((column + gap) / (keyH + gap)))
                                               : Math.max(1, Math.floor((width - gap) / (keyH * 1.25 + gap)))
    readonly property var shown: Handwriting.candidates.slice(0, candidateSlots)

    function insert(character: string) {
        if (pad.target && character !== "") pad.target.insertText(character)
    }

    Rectangle { visible: pad.side; width: 2; height: parent.height; color: Theme.line }
    // Under the part of the writing area that stands in the footer's middle: the pad's colour.
    Rectangle {
        visible: pad.intoFooter
        x: 0
        y: pad.height
        width: writing.x + writing.width + pad.gap
        height: writing.y + writing.height + pad.gap - pad.height
        color: pad.color
    }

    // ---- the candidates ----
    Item {
        id: candidateBox
        objectName: "handwritingCandidates"
        x: pad.side ? pad.area + 2 * pad.gap : pad.gap
        y: pad.gap
        width: pad.side ? pad.candidateColumn : pad.width - 2 * pad.gap
        height: pad.side ? pad.column : pad.keyH
        readonly property int columns: pad.side ? 2 : pad.candidateSlots
        readonly property int cellW: Math.floor((width - (columns - 1) * pad.gap) / columns)
        BodyText {
            visible: pad.shown.length === 0
            anchors.fill: parent
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            font.pixelSize: Theme.small
            text: !Handwriting.available ? "" : Handwriting.busy ? "正在认字……"
                  : (Handwriting.strokeCount > 0 ? "没有认出来，请点“重写”再写一次" : "在下面写一个字，这里会出现候选字")
        }
        Repeater {
            model: pad.shown
            delegate: ActionButton {
                required property string modelData
                required property int index
                objectName: "key:candidate:" + index
                x: (index % candidateBox.columns) * (candidateBox.cellW + pad.gap)
                y: Math.floor(index / candidateBox.columns) * (pad.keyH + pad.gap)
                width: candidateBox.cellW
                height: pad.keyH
                text: modelData
                textSize: Math.round(Theme.heading * 1.1)
                leftPadding: 0; rightPadding: 0
                onClicked: pad.insert(Handwriting.take(index))
            }
        }
    }

    // ---- the writing area ----
    Rectangle {
        id: writing
        objectName: "handwritingArea"
        x: pad.gap
        y: pad.side ? pad.gap : candidateBox.y + candidateBox.height + pad.gap
        width: pad.area
        height: pad.area
        color: "#FFFFFF"
        radius: Theme.radius
        border.width: 3
        border.color: Theme.blue
        // 田字格: the guide lines a citizen learnt to write in.
        Repeater {
            model: 2
            delegate: Rectangle {
                required property int index
                color: "#C9D3E3"
                x: index === 0 ? writing.width / 2 - 1 : 0
                y: index === 0 ? 0 : writing.height / 2 - 1
                width: index === 0 ? 2 : writing.width
                height: index === 0 ? writing.height : 2
            }
        }
        BodyText {
            anchors.centerIn: parent
            width: parent.width - 2 * Theme.pad
            horizontalAlignment: Text.AlignHCenter
            visible: Handwriting.strokeCount === 0 && pad.current.length === 0
            text: Handwriting.available ? "请用手指在这里写一个字" : Handwriting.problem
            color: Handwriting.available ? Theme.muted : Theme.red
        }
        Canvas {
            id: ink
            anchors.fill: parent
            property var strokes: []  // drawn so far, for painting only; the view-model keeps its own
            onPaint: {
                let ctx = getContext("2d")
                ctx.clearRect(0, 0, width, height)
                ctx.lineWidth = Math.round(10 * Theme.scale)
                ctx.lineCap = "round"
                ctx.lineJoin = "round"
                ctx.strokeStyle = "#000000"
                let all = ink.strokes.concat(pad.current.length ? [pad.current] : [])
                for (let s of all) {
                    ctx.beginPath()
                    ctx.moveTo(s[0].x, s[0].y)
                    for (let j = 1; j < s.length; j++) ctx.lineTo(s[j].x, s[j].y)
                    if (s.length === 1) ctx.lineTo(s[0].x + 0.5, s[0].y)
                    ctx.stroke()
                }
            }
            Connections {
                target: Handwriting
                function onChanged() {
                    if (Handwriting.strokeCount === 0 && ink.strokes.length > 0) { ink.strokes = []; ink.requestPaint() }
                }
            }
        }
        MouseArea {
            objectName: "handwritingInput"
            anchors.fill: parent
            enabled: Handwriting.available
            preventStealing: true
            function at(m: var): var {
                return { x: Math.max(0, Math.min(width, m.x)), y: Math.max(0, Math.min(height, m.y)) }
            }
            onPressed: function(m) { pad.current = [at(m)]; ink.requestPaint() }
            onPositionChanged: function(m) {
                let c = pad.current
                c.push(at(m))
                pad.current = c
                ink.requestPaint()
            }
            onReleased: {
                let s = pad.current
                pad.current = []
                if (!s.length) return
                ink.strokes = ink.strokes.concat([s])
                Handwriting.addStroke(s)
                ink.requestPaint()
            }
        }
    }

    // ---- 重写 · 删除 · 拼音 · 收起 ----
    Item {
        id: keys
        x: pad.side ? candidateBox.x + candidateBox.width + pad.gap : writing.x + writing.width + pad.gap
        y: writing.y
        width: pad.keyColumn
        height: pad.side ? pad.column : writing.height
        readonly property int cellW: width
        readonly property int cellH: Math.floor((height - 3 * pad.gap) / 4)
        Repeater {
            model: [["重写", "rewrite"], ["删除", "delete"], ["拼音", "pinyin"], ["收起", "close"]]
            delegate: ActionButton {
                required property var modelData
                required property int index
                objectName: "key:" + modelData[0]
                x: 0
                y: index * (keys.cellH + pad.gap)
                width: keys.cellW
                height: keys.cellH
                text: modelData[0]
                leftPadding: Math.round(Theme.gap / 4); rightPadding: leftPadding
                onClicked: {
                    let role = modelData[1]
                    if (role === "rewrite") Handwriting.rewrite()
                    else if (role === "delete") { if (pad.target) pad.target.deleteBefore() }
                    else if (role === "pinyin") Shell.useKeyboard()
                    else Shell.closeInk()
                }
            }
        }
    }
}
