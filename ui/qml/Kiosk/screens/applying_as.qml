import QtQuick
import Kiosk

StepPage {
    Choices { path: "applying_as" }
}
