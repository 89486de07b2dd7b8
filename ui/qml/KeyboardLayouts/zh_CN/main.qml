import QtQuick
import QtQuick.Layouts
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Components
import Kiosk

// 拼音: the letters in the order of the 汉语拼音字母表, nine keys a row, so that 26
// letters and 删除 fill three rows and, in 大字, nine cells of 120 px fill a 1080 px
// canvas (the ten keys of a QWERTY row cannot). Every function key says what it does in
// words; 英文 switches to what it names. No apostrophe key: the candidates offer
// both readings of an ambiguous syllable (xian: 先 / 西安). 手写 swaps the keyboard for
// the handwriting pad in the same field (Kiosk's HandwritingPad.qml), one tap.
KeyboardLayout {
    function createInputMethod() {
        return Qt.createQmlObject('import QtQuick; import QtQuick.VirtualKeyboard.Plugins; PinyinInputMethod {}', parent, "inputMethod.qml")
    }
    sharedLayouts: ['symbols']
    keyWeight: 160
    KeyboardRow {
        Key { key: Qt.Key_A; text: "a" }
        Key { key: Qt.Key_B; text: "b" }
        Key { key: Qt.Key_C; text: "c" }
        Key { key: Qt.Key_D; text: "d" }
        Key { key: Qt.Key_E; text: "e" }
        Key { key: Qt.Key_F; text: "f" }
        Key { key: Qt.Key_G; text: "g" }
        Key { key: Qt.Key_H; text: "h" }
        Key { key: Qt.Key_I; text: "i" }
    }
    KeyboardRow {
        Key { key: Qt.Key_J; text: "j" }
        Key { key: Qt.Key_K; text: "k" }
        Key { key: Qt.Key_L; text: "l" }
        Key { key: Qt.Key_M; text: "m" }
        Key { key: Qt.Key_N; text: "n" }
        Key { key: Qt.Key_O; text: "o" }
        Key { key: Qt.Key_P; text: "p" }
        Key { key: Qt.Key_Q; text: "q" }
        Key { key: Qt.Key_R; text: "r" }
    }
    KeyboardRow {
        Key { key: Qt.Key_S; text: "s" }
        Key { key: Qt.Key_T; text: "t" }
        Key { key: Qt.Key_U; text: "u" }
        Key { key: Qt.Key_V; text: "v" }
        Key { key: Qt.Key_W; text: "w" }
        Key { key: Qt.Key_X; text: "x" }
        Key { key: Qt.Key_Y; text: "y" }
        Key { key: Qt.Key_Z; text: "z" }
        BackspaceKey { displayText: "删除" }
    }
    KeyboardRow {
        SymbolModeKey { displayText: "符号" }
        ChangeLanguageKey { displayText: "英文" }
        Key {
            objectName: "vkb:handwriting"
            displayText: "手写"
            functionKey: true
            noKeyEvent: true
            onClicked: Shell.openInk(Shell.textTarget)
        }
        Key { key: Qt.Key_Comma; text: "，" }
        SpaceKey { weight: 320; displayText: "空格" }
        Key { key: Qt.Key_Period; text: "。" }
        HideKeyboardKey { weight: 320; displayText: "收起键盘" }
    }
}
