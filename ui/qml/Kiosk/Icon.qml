import QtQuick
import Kiosk.ViewModels

// A line icon from assets/icons/, drawn in the given colour.
Image {
    property string name: "dots"
    property color color: Theme.blue
    property int size: Theme.icon
    width: size
    height: size
    sourceSize.width: size
    sourceSize.height: size
    source: name ? "image://icon/" + name + "/" + color.toString().substring(1) : ""
    fillMode: Image.PreserveAspectFit
    asynchronous: false
}
