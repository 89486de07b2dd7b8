import QtQuick

// A line icon from assets/icons/, drawn in the given colour.
Image {
    property string name: "dots"
    property color color: theme.blue
    property int size: theme.icon
    width: size
    height: size
    sourceSize.width: size
    sourceSize.height: size
    source: name ? "image://icon/" + name + "/" + color.toString().substring(1) : ""
    fillMode: Image.PreserveAspectFit
    asynchronous: false
}
