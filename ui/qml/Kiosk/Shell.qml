pragma Singleton
import QtQuick

// What the window (Main.qml) tells the screens and components inside it, and what they
// ask of it: one per window. Main keeps the measures up to date; components never
// reach into the window itself.
QtObject {
    // ---- measures of the window, kept by Main ----
    property bool landscape: false
    property int contentMax: 0  // the widest a column of content gets
    property int windowHeight: 0
    property bool keyboardOpen: false
    property int keyboardHeight: 0
    property int typingRoom: 0  // what a field being typed in may take above the keyboard
    property bool stepInPage: false  // the header has no room for 第 n 步 / 共 m 步: the page shows it
    property bool ready: false  // set once the measures are in, before the first screen loads

    // ---- typing ----
    property DigitField digitTarget: null  // the field the digit pad types into
    property Flickable currentFlick: null  // the screen's scrolling page
    // 手写: the text field the handwriting pad writes into (null: the pad is closed), the
    // text field typed in last, and whether the citizen chose 手写 (text fields then open
    // with the pad, until 拼音 or the end of the session).
    property Field inkTarget: null
    property Field textTarget: null
    property bool inkPreferred: false

    signal openPadRequested(DigitField field)
    signal closePadRequested()
    signal revealRequested(Item item)
    signal doneTypingRequested()
    signal openInkRequested(Field field)
    signal useKeyboardRequested()

    function openPad(field: DigitField) { openPadRequested(field) }
    function closePad() { closePadRequested() }
    // Scrolls the field being edited fully into view, now and as the room changes.
    function reveal(item: Item) { revealRequested(item) }
    function doneTyping() { doneTypingRequested() }
    // 手写 for `field` (the keyboard's 手写 key: the field typed in last).
    function openInk(field: Field) { if (field) openInkRequested(field) }
    function closeInk() { inkTarget = null }
    // 拼音: back to the keyboard in the same field.
    function useKeyboard() { useKeyboardRequested() }
}
