import QtQuick
import ".."

StepPage {
    Choices {
        path: "applying_as"
        options: [
            {code: "self", label: "本人申请", hint: "为自己的事情申请", icon: "person"},
            {code: "for_other", label: "替别人申请（代理）", hint: "需要申请人签名的授权委托书", icon: "hand"},
            {code: "group", label: "几个人一起申请", hint: "多人反映同一件事；超过5人要推选代表", icon: "people"}
        ]
    }
}
