import QtQuick
import Kiosk

StepPage {
    PersonForm { prefix: "applicants[0]" }
}
