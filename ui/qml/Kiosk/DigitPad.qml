pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// The large digit pad, docked where the keyboard appears. A fixed grid with no blank cell:
//
//     1  2  3  删除          for an ID number (the one document whose number may end
//     4  5  6  清空          in X) the bottom row is  X  0 0 ; elsewhere 0 takes the
//     7  8  9  确定          whole row, so no key is a hole where a key might be.
//     0  0  0  确定
//
// 清空 keeps what it cleared until the next key: the same cell then reads 撤销 and puts it
// back. 确定 closes the pad; it is not a primary button, since 下一步 (or 查询) stays the
// one primary action on screen. The words are the technician's pad's too: 删除, 清空, 确定.
// For a query code (kind "code") the pad shows exactly the code's characters — digits
// 2-9 and the letters without I, L, O — so a look-alike cannot be typed; 删除 and 清空
// follow them and 确定 takes the rest of the last row.
// Keys keep objectNames by role ("key:⌫", "key:清空", "key:完成", "key:<character>").
Rectangle {
    id: pad
    objectName: "digitPad"
    property DigitField target: null  // the field it types into
    property bool side: false  // docked at the right of a landscape screen
    color: "#DCE3EE"
    readonly property bool letters: target !== null && target.kind === "code"
    readonly property bool withX: !letters && target !== null && target.allowX
    readonly property int columns: letters ? (side ? (Session.elderly ? 7 : 6) : (Session.elderly ? 6 : 7)) : 4
    readonly property int naturalKeyH: letters ? Math.round(Theme.target * (Session.elderly ? 0.8 : 1.0))
                                               : Math.round(Theme.target * 1.1)
    // Docked at the side, the pad stands between the window's header and footer: its rows
    // share that height (the footer stays in place below it).
    readonly property int keyH: side ? Math.min(naturalKeyH, Math.floor((height - (rowCount + 1) * Theme.gap) / rowCount))
                                     : naturalKeyH
    readonly property int keyW: side ? (letters ? keyH : Math.round(Theme.target * 1.6))
                                     : Math.min(Math.round(Theme.target * 2.4),
                                                Math.floor((pad.width - (pad.columns + 1) * Theme.gap) / pad.columns))
    readonly property bool canUndo: target !== null && target.value === "" && target.undoValue !== ""

    // Every cell of the grid: the key's role, and where it stands (column, row, spans).
    readonly property var cells: {
        if (letters) {
            let out = [], chars = Session.digitEntry["code"].keys.split("")
            chars.concat(["⌫", "清空"]).forEach((k, i) => out.push({ key: k, col: i % columns, row: Math.floor(i / columns), span: 1, rows: 1 }))
            let n = chars.length + 2
            let left = n % columns === 0 ? columns : columns - n % columns
            out.push({ key: "完成", col: n % columns, row: Math.floor(n / columns), span: left, rows: 1 })
            return out
        }
        let grid = [["1", 0, 0], ["2", 1, 0], ["3", 2, 0], ["⌫", 3, 0],
                    ["4", 0, 1], ["5", 1, 1], ["6", 2, 1], ["清空", 3, 1],
                    ["7", 0, 2], ["8", 1, 2], ["9", 2, 2]]
        let out = grid.map(g => ({ key: g[0], col: g[1], row: g[2], span: 1, rows: 1 }))
        if (withX) {
            out.push({ key: "X", col: 0, row: 3, span: 1, rows: 1 })
            out.push({ key: "0", col: 1, row: 3, span: 2, rows: 1 })
        } else {
            out.push({ key: "0", col: 0, row: 3, span: 3, rows: 1 })
        }
        out.push({ key: "完成", col: 3, row: 2, span: 1, rows: 2 })
        return out
    }
    readonly property int rowCount: {
        let n = 0
        for (let c of cells) n = Math.max(n, c.row + c.rows)
        return n
    }
    implicitWidth: columns * keyW + (columns + 1) * Theme.gap
    implicitHeight: rowCount * keyH + (rowCount + 1) * Theme.gap
    Rectangle { visible: pad.side; width: 2; height: parent.height; color: Theme.line }
    Item {
        id: grid
        objectName: "digitPadGrid"
        width: pad.columns * pad.keyW + (pad.columns - 1) * Theme.gap
        height: pad.rowCount * pad.keyH + (pad.rowCount - 1) * Theme.gap
        anchors.centerIn: parent
        Repeater {
            model: pad.cells
            delegate: ActionButton {
                id: keyButton
                required property var modelData
                readonly property string role: modelData.key
                x: modelData.col * (pad.keyW + Theme.gap)
                y: modelData.row * (pad.keyH + Theme.gap)
                width: modelData.span * pad.keyW + (modelData.span - 1) * Theme.gap
                height: modelData.rows * pad.keyH + (modelData.rows - 1) * Theme.gap
                objectName: "key:" + role
                text: role === "⌫" ? "删除" : role === "完成" ? "确定"
                      : role === "清空" ? (pad.canUndo ? "撤销" : "清空") : role
                iconName: role === "完成" ? "check" : ""
                // A narrow key keeps its word on one line and drops the icon.
                noIcon: width < Math.round(Theme.target * 2.3)
                textSize: role.length === 1 && role !== "⌫" ? Math.round(Theme.body * 1.4)
                                                             : (pad.letters ? Theme.small : Theme.body)
                leftPadding: pad.letters ? Math.round(Theme.gap / 4) : Math.round(Theme.pad * 0.5)
                rightPadding: leftPadding
                onClicked: {
                    if (!pad.target) return
                    if (role === "⌫") pad.target.backspace()
                    else if (role === "清空") { if (pad.canUndo) pad.target.undoClear(); else pad.target.clearAll() }
                    else if (role === "完成") Shell.closePad()
                    else pad.target.press(role)
                }
            }
        }
    }
}
