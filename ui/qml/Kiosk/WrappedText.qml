import QtQuick

// Text that wraps and never leaves one character alone on its last line (证 under
// 港澳台居民居住): once laid out, a last line of one character (punctuation aside) makes
// the line above it hand over its last character, so two stand together. The text itself
// is untouched, so what is read aloud, searched or copied stays the same.
Text {
    id: t
    property int givingLine: -1  // the line that hands its last character down
    property real lastLineWidth: 0
    wrapMode: Text.Wrap
    FontMetrics { id: metrics; font: t.font }
    onLineLaidOut: line => {
        if (line.number === t.givingLine)
            line.width = Math.max(1, line.implicitWidth - t.font.pixelSize * 0.9)
        if (line.isLast)
            t.lastLineWidth = line.implicitWidth
    }
    // The last line's text: the shortest tail of the text as wide as the line (Text has no
    // way to ask which characters a line holds).
    function lastLine(): string {
        let best = "", off = font.pixelSize / 2
        for (let k = 1; k <= Math.min(4, text.length); k++) {
            let tail = text.slice(-k), d = Math.abs(metrics.advanceWidth(tail) - lastLineWidth)
            if (d < off) { best = tail; off = d }
        }
        return best
    }
    // One character, leaving out spaces and punctuation (which never starts a line anyway).
    function isLone(tail: string): bool {
        return tail.replace(/[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65.,;:!?()\[\]"'·、]/g, "").length === 1
    }
    function keepTail() {
        if (givingLine >= 0 || width <= 0 || textFormat === Text.RichText) return
        forceLayout()  // the line count and the last line as they are now, not before a resize
        if (lineCount < 2 || !isLone(lastLine())) return
        let lines = lineCount
        givingLine = lines - 2
        forceLayout()
        if (lineCount !== lines) {  // handing down made a line more: leave it as it was
            givingLine = -1
            forceLayout()
        }
    }
    // After the layout has settled; a timer, not Qt.callLater, so that it goes with the item.
    // (Not at once: inside a width change the new layout would feed the bindings that set
    // the width, a binding loop.)
    Timer { id: settled; interval: 0; onTriggered: t.keepTail() }
    function relayout() { givingLine = -1; settled.restart() }
    onTextChanged: relayout()
    onWidthChanged: relayout()
    onFontChanged: relayout()
    onLineCountChanged: settled.restart()
    Component.onCompleted: settled.restart()
}
