import QtQuick
import ".."

StepPage {
    Choices {
        path: "category"
        columns: win.landscape ? (session.elderly ? 3 : 4) : (session.elderly ? 2 : 3)
        vertical: true
        options: session.categories
    }
    Label2 {
        visible: session.edits >= 0 && session.value("kind") === "petition"
        width: parent.width; font.bold: true; color: theme.blue; text: "您希望怎么处理？"
    }
    Choices {
        visible: session.edits >= 0 && session.value("kind") === "petition"
        path: "purpose"
        columns: win.landscape ? 3 : 2
        options: session.purposes
    }
}
