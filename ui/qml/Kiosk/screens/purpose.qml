import QtQuick
import Kiosk
import Kiosk.ViewModels

// What the citizen wants done, in everyday words (assets/taxonomies/purposes.toml): its
// own screen, since after the categories it would sit below the fold in 大字.
StepPage {
    Choices {
        path: "purpose"
        columns: Shell.landscape ? (Session.elderly ? 2 : 3) : 1
    }
}
