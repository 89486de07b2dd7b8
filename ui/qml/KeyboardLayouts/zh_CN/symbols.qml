import QtQuick
import QtQuick.Layouts
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Components

// 符号: the digits and the marks a petition needs, nine keys a row; 拼音 goes back
// to the letters.
KeyboardLayout {
    function createInputMethod() {
        return Qt.createQmlObject('import QtQuick; import QtQuick.VirtualKeyboard.Plugins; PinyinInputMethod {}', parent, "inputMethod.qml")
    }
    sharedLayouts: ['main']
    keyWeight: 160
    KeyboardRow {
        Key { key: Qt.Key_1; text: "1" }
        Key { key: Qt.Key_2; text: "2" }
        Key { key: Qt.Key_3; text: "3" }
        Key { key: Qt.Key_4; text: "4" }
        Key { key: Qt.Key_5; text: "5" }
        Key { key: Qt.Key_6; text: "6" }
        Key { key: Qt.Key_7; text: "7" }
        Key { key: Qt.Key_8; text: "8" }
        Key { key: Qt.Key_9; text: "9" }
    }
    KeyboardRow {
        Key { key: Qt.Key_0; text: "0" }
        Key { text: "、" }
        Key { text: "：" }
        Key { text: "；" }
        Key { text: "？" }
        Key { text: "！" }
        Key { text: "（" }
        Key { text: "）" }
        Key { text: "—" }
    }
    KeyboardRow {
        Key { text: "《" }
        Key { text: "》" }
        Key { text: "“" }
        Key { text: "”" }
        Key { text: "·" }
        Key { text: "…" }
        Key { text: "-" }
        Key { text: "/" }
        BackspaceKey { displayText: "删除" }
    }
    KeyboardRow {
        SymbolModeKey { weight: 320; displayText: "拼音" }
        Key { key: Qt.Key_Comma; text: "，" }
        SpaceKey { weight: 480; displayText: "空格" }
        Key { key: Qt.Key_Period; text: "。" }
        HideKeyboardKey { weight: 320; displayText: "收起键盘" }
    }
}
