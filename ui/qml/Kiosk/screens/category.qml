import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    Choices {
        path: "category"
        columns: Shell.landscape ? (Session.elderly ? 3 : 4) : (Session.elderly ? 2 : 3)
        vertical: true
    }
    BodyText {
        visible: Session.applies.purpose
        width: parent.width; font.bold: true; color: Theme.blue; text: "您希望怎么处理？"
    }
    Choices {
        visible: Session.applies.purpose
        path: "purpose"
        columns: Shell.landscape ? 3 : 2
    }
}
