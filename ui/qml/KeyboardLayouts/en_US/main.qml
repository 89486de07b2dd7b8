import QtQuick
import QtQuick.Layouts
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Components

// 英文, for letters written as such (an address's 3B 栋, a company's name): the same
// nine-key rows as 拼音, in the order of the alphabet; 大写 for capitals, 中文 back to 拼音.
KeyboardLayout {
    inputMode: InputEngine.InputMode.Latin
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
        ChangeLanguageKey { displayText: "中文" }
        ShiftKey { displayText: "大写" }
        SpaceKey { weight: 480; displayText: "空格" }
        Key { key: Qt.Key_Period; text: "." }
        HideKeyboardKey { weight: 320; displayText: "收起键盘" }
    }
}
