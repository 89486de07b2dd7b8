pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import Kiosk
import Kiosk.ViewModels

// The home of a proxy station (网上信访代办服务站, ui/agents.py). Nobody signed in: what the
// station is, 代办员登录, and 查询办理进度 for a villager following their own case. An agent
// signed in: the agent session's own header (代办员 name masked, the station, 退出登录),
// then 为村民办理 (a petition or a review application, the villager the applicant) and
// 我办理的 (the agent's list).
Flickable {
    id: page
    objectName: "agentHomePage"
    contentWidth: width
    contentHeight: col.implicitHeight + 2 * Theme.gap
    clip: true
    interactive: contentHeight > height
    boundsBehavior: Flickable.StopAtBounds
    ScrollIndicator.vertical: ScrollIndicator { }
    ScrollCue { id: cue; flick: page }
    readonly property int cueRoom: cue.room
    readonly property int columns: Shell.landscape ? 2 : 1
    readonly property int tileW: (col.width - (columns - 1) * Theme.gap) / columns
    readonly property int tileH: Math.round(Theme.target * 1.5)

    component Tile: ActionButton {
        width: page.tileW
        height: Math.max(implicitHeight, page.tileH)
        iconSize: Math.round(Theme.icon * 1.4)
        textSize: Math.round(Theme.heading * 0.9)
    }

    Column {
        id: col
        x: Math.max(Theme.pad, (page.width - Shell.contentMax) / 2)
        y: Theme.gap
        width: page.width - 2 * x
        spacing: Theme.gap

        // ---- the agent session's header ----
        Rectangle {
            objectName: "agentHeader"
            visible: Agents.signedIn
            width: col.width
            height: Math.max(who.implicitHeight, signOut.height) + 2 * Theme.gap
            color: Theme.blueLight
            radius: Theme.radius
            border.color: Theme.blue; border.width: 2
            Column {
                id: who
                anchors { left: parent.left; leftMargin: Theme.gap; right: signOut.left; rightMargin: Theme.gap
                          verticalCenter: parent.verticalCenter }
                BodyText { width: parent.width; text: "代办员 " + Agents.agentName; font.bold: true; color: Theme.blue }
                BodyText { width: parent.width; text: Agents.station; color: Theme.text }
            }
            ActionButton {
                id: signOut
                objectName: "btn:agentSignOut"
                anchors { right: parent.right; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
                danger: true
                iconName: "arrow-left"
                text: "退出登录"
                onClicked: Agents.signOut()
            }
        }

        Text {  // signed in, the entries say it themselves (为村民…): they stay in view
            visible: !Agents.signedIn
            width: col.width
            text: "网上信访代办服务站"
            font.family: Theme.fontFamily; font.pixelSize: Theme.heading; font.bold: true; color: Theme.blue
            wrapMode: Text.Wrap
            lineHeight: 1.3
        }
        BodyText {
            visible: !Agents.signedIn
            width: col.width
            color: Theme.muted
            text: "代办员请先登录，再替村民在网上提交信访事项。村民也可以自己查询办理进度。"
        }

        Grid {
            columns: page.columns
            spacing: Theme.gap
            Tile {
                objectName: "btn:agentSignIn"
                visible: !Agents.signedIn
                primary: true
                iconName: "person"; text: "代办员登录"; hint: "选择名字，输入密码"
                onClicked: Agents.openSignIn()
            }
            Tile {
                objectName: "btn:villagerPetition"
                visible: Agents.signedIn
                primary: true
                iconName: "pen"; text: "为村民办理信访"; hint: "反映新的问题"
                onClicked: Agents.startForVillager("petition")
            }
            Tile {
                objectName: "btn:villagerReview"
                visible: Agents.signedIn
                primary: true
                iconName: "review"; text: "为村民申请复查、复核"; hint: "对收到的意见书不满意"
                onClicked: Agents.startForVillager("review")
            }
            Tile {
                objectName: "btn:agentList"
                visible: Agents.signedIn
                iconName: "document"; text: "我办理的"; hint: "办理过的事项和进度"
                onClicked: Agents.openList()
            }
            Tile {
                objectName: "btn:startQuery"
                iconName: "magnifier"; text: "查询办理进度"; hint: "凭回执编号查询"
                onClicked: { Query.reset(); Session.startQuery() }
            }
        }

        // Signed in, what to do comes first and the reminder of how it goes under it, so the
        // entries stay in view on a low page (大字 landscape).
        BodyText {
            visible: Agents.signedIn
            width: col.width
            color: Theme.muted
            text: "村民本人就是申请人。先请村民看授权内容并签名，再替村民填写。回执和查询码都是村民自己的。"
        }

        // ---- nobody signed in: the platforms' QR codes, as on every terminal's home ----
        BodyText {
            visible: !Agents.signedIn
            width: col.width
            font.bold: true
            color: Theme.blue
            text: "用手机扫码，也可以在网上办理"
        }
        Grid {
            visible: !Agents.signedIn
            readonly property int side: 400  // scannable from 1 m
            columns: col.width >= 4 * side + 3 * Theme.gap ? 4 : 2
            x: Math.round((col.width - width) / 2)
            spacing: Theme.gap
            Repeater {
                model: Session.platforms
                delegate: Column {
                    id: platform
                    required property var modelData
                    width: 400
                    spacing: 4
                    Image {
                        objectName: "qr:" + platform.modelData.name
                        readonly property bool loading: status === Image.Loading
                        width: 400; height: 400
                        source: platform.modelData.qr
                        smooth: false
                        asynchronous: true
                        fillMode: Image.PreserveAspectFit
                    }
                    Text {
                        width: parent.width
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: platform.modelData.label
                        font.family: Theme.fontFamily; font.pixelSize: Theme.small; color: Theme.text
                    }
                }
            }
        }
    }
}
