import QtQuick
import ".."

StepPage {
    PersonForm { prefix: "applicants[0]" }
}
