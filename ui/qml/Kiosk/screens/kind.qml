import QtQuick
import Kiosk

StepPage {
    Choices { path: "kind" }
}
