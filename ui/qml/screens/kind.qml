import QtQuick
import ".."

StepPage {
    Choices {
        path: "kind"
        options: [
            {code: "petition", label: "反映新的问题（信访事项）", hint: "第一次向政府反映这件事", icon: "pen"},
            {code: "review", label: "申请复查", hint: "对收到的答复意见书不满意", icon: "review"},
            {code: "re_review", label: "申请复核", hint: "对收到的复查意见书仍不满意", icon: "review"}
        ]
    }
}
