"""Plain Chinese for what the terminal records and logs when something goes wrong: the
one table of translations, for the technician screen (and any screen or command that
shows a cause to a person who reads no English).

A cause is recorded in English — an outbox item's `last_error`, a log line, a network
check's finding — because that is what the code, the platform's operator and a search
engine understand. `explain` turns one into words a township technician can act on,
and keeps the English as `detail` (the screen shows it behind 详情). A log line says
what happened (`EVENTS`, matched on the literal parts of the format strings the code
logs) and why (`CAUSES`, the platform's error codes `PLATFORM_CODES`, or a bare HTTP
status `HTTP_STATUSES`); the words put the two together.

Every cause the code can produce has words here: tests/core/test_causes.py walks the
error catalogue of wire/, the store's errors, every warning and error the code logs,
and the exceptions of the delivery's HTTP client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Said when nothing in the table matches: the English behind 详情 is then all there is.
UNKNOWN = "没有识别出的原因（请看详情，或把详情告诉平台管理员）"


@dataclass(frozen=True)
class Cause:
    words: str  # plain Chinese: what happened and why, with what to do where it helps
    detail: str  # the recorded text, as it was (English)
    known: bool  # False: no entry of the table matched


def _table(rows: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern, re.IGNORECASE), words) for pattern, words in rows]


# ---- what happened: the log lines of the code, by their literal parts --------------------
EVENTS = _table([
    (r"set aside for a technician", "平台拒收了这件提交，需要技术人员处理"),
    (r"will be retried|retried at", "这次没有送到平台，发送程序会自动重试"),
    (r"confirm failed unexpectedly", "提交没有保存（程序出错，市民被告知再按一次确认提交）"),
    (r"confirm failed", "提交没有保存（市民已被告知，填写的内容还在屏幕上）"),
    (r"evaluation not stored", "服务评价没有保存"),
    (r"follow-up not stored", "补充材料或撤回申请没有保存（市民被告知再按一次）"),
    (r"follow-ups of the case not read",
     "查询结果里没有显示本机已保存的补充材料、撤回或评价（查询本身不受影响）"),
    (r"case query: the outbox cannot be read", "查询办理进度时读不了本机存储"),
    (r"case query failed", "查询办理进度没有完成"),
    (r"technician screen: store unreadable", "维护界面读不了本机存储"),
    (r"technician PIN refused", "有人输错了维护密码"),
    (r"agent PIN not checked", "代办员登录时读不了本机存储，没能核对密码"),
    (r"the agent's list was not read", "代办员的“我办理的”列表没有读出来"),
    (r"voucher not reprinted", "代办员重新打印回执没有成功"),
    (r"agent not bound", "绑定代办员没有成功（绑定码不对、已用过、过期，或连不上平台）"),
    (r"help alert not written", "求助没有记下来（本机存储写不进去）；市民已被告知工作人员会来，请留意大厅"),
    (r"clock trust file unreadable",
     "本机时钟记录读不出来，按时钟未校准处理（连上平台后会重新记录）"),
    (r"clock trust file not written", "本机时钟记录没有写下（请检查磁盘空间：kiosk doctor）"),
    (r"since it last learned the platform's time",
     "本机时钟被人调整过或被调回过去，之后确认的提交会注明时间不可信，连上平台后自动重新校准"),
    (r"help alert file unreadable", "求助记录文件读不出来，按有人求助处理（到场后在维护界面清除求助）"),
    (r"voucher not printed", "回执单没有打印出来，屏幕上的回执还在"
                             "（缺纸、盖子没关好或打印机没有响应：见详情，kiosk doctor 会说怎么修）"),
    (r"technician \w+ failed", "维护操作没有完成"),
    (r"ID card read failed unexpectedly", "读身份证时程序出错（市民被告知直接填写；请把日志交给技术人员）"),
    (r"ID card reader failed", "身份证阅读器没有读出证件（市民可以直接填写；kiosk doctor 会说怎么修）"),
    (r"camera photo not made a page",
     "拍的照片没能处理成材料页（市民被告知再拍一次；反复出现请把日志交给技术人员）"),
    (r"camera not found when its screen opened",
     "拍照时找不到高拍仪（市民被告知可以带原件另交；kiosk doctor 查高拍仪）"),
    (r"camera stopped with an error", "高拍仪出错停了（检查连线，kiosk doctor 查高拍仪）"),
    (r"camera capture failed", "高拍仪没有拍到照片（市民被告知再按一次“拍照”；kiosk doctor 查高拍仪）"),
    (r"camera QR decoding failed", "没有读出摄像头下的回执二维码（下一帧会再读；市民也可以输入回执编号）"),
    (r"speech engine unavailable", "语音播报不可用（语音引擎没有启动；屏幕上的文字不受影响）"),
    (r"handwriting unavailable", "手写输入不可用（手写识别程序或字库没有装好；拼音输入不受影响，"
                                 "kiosk doctor 会说怎么修）"),
    (r"handwriting recognition failed", "一次手写识别没有完成（市民可以重写或改用拼音）"),
    (r"could not load the font", "字体没有装好，中文可能显示不全（kiosk doctor 会说怎么修）"),
    (r"damaged database moved aside", "本机数据库损坏，已移到一旁并新建了数据库"
                                      "（用 kiosk recover 找回其中的提交）"),
    (r"database was moved aside by another process", "另一个程序把损坏的数据库移到了一旁，已重新打开"),
    (r"signing key cannot be read", "本机签名密钥读不出来，回执暂时不带签名（请重新登记本机）"),
    (r"terminal's clock is ", "本机时钟与平台不一致（请校准时间：kiosk doctor 会说怎么做）"),
    (r"unverified answer \(HTTP \d+\)", "收到的答复没有平台的有效签名，按网络故障处理并重试"),
    (r"oldest queued submission has waited", "最早的待发送提交已经等了很久（请检查网络和平台）"),
    (r"content from the platform refused", "平台发来的内容没有通过检查，继续使用原来的内容"),
    (r"carry export failed", "导出到U盘没有完成，U盘上没有留下不完整的文件，申请仍在本机排队"),
    (r"carry acknowledgement refused", "U盘上的回执没有通过平台签名检查，没有据此改动任何记录"),
    (r"carry acknowledgement: \w+ item\(s\) left as they are",
     "U盘回执里有几件与本机记录的状态不符，没有改动它们（请看详情）"),
    (r"changed meanwhile; its outcome was not recorded",
     "发送结果没有记下（这件提交同时被改动了，会再次发送，平台不会重复受理）"),
])

# ---- why: network, store and program causes --------------------------------------------
CAUSES = _table([
    # The network, as the delivery's HTTP client (requests) and the doctor's checks say it.
    (r"Connection refused|ConnectionRefusedError|Errno 111\b",
     "平台拒绝连接（平台服务可能没有运行，或地址、端口配置错了）"),
    (r"NameResolutionError|Name or service not known|Temporary failure in name resolution"
     r"|nodename nor servname|getaddrinfo|DNS lookup",
     "找不到平台的网址（域名解析失败：检查网络、DNS 或平台地址）"),
    (r"ConnectTimeout|connect timeout|no answer within \d+ s|TCP connect.*timed out",
     "连接平台超时（网络不通或很慢，或被防火墙挡住）"),
    (r"ReadTimeout|Read timed out|read timeout",
     "平台接受了连接，但没有在规定时间内答复（平台繁忙或网络很慢）"),
    (r"SSLError|CERTIFICATE_VERIFY_FAILED|certificate|SSL",
     "平台的安全证书验证没有通过（检查本机时间和平台的证书）"),
    (r"ProxyError|proxy", "代理服务器连不上（检查本机的代理设置）"),
    (r"Network is unreachable|No route to host|Errno 101\b|Errno 113\b",
     "本机网络不通（没有通往平台的线路：检查网线、无线或网关）"),
    (r"Connection reset|Connection aborted|RemoteDisconnected|ConnectionResetError"
     r"|ChunkedEncodingError|IncompleteRead|BrokenPipe",
     "连接中途断了（网络不稳定或平台重启）"),
    (r"TooManyRedirects", "平台地址不断跳转（平台地址配置可能错了）"),
    (r"InvalidURL|MissingSchema|InvalidSchema|URLRequired|InvalidHeader|LocationParseError",
     "平台地址或请求格式不对（检查配置中的平台地址）"),
    (r"ContentDecodingError|InvalidJSONError|JSONDecodeError",
     "平台的答复读不懂（平台版本可能与本机不匹配）"),
    (r"RetryError|Max retries exceeded", "多次重试仍连不上平台（网络不通）"),
    (r"StreamConsumedError|UnrewindableBodyError",
     "请求没有完整发出（程序出错，会自动重试；经常出现请告诉维护人员）"),
    (r"HTTPError", "平台答复了错误状态（会自动重试）"),
    (r"ConnectionError|RequestException|Unreachable",
     "连不上平台（网络不通）"),
    (r"does not know the platform's signing key|names no platform signing key",
     "本机不知道平台的签名密钥：请重新登记本机（kiosk enroll）"),
    (r"unverified answer|without its verified signature",
     "答复没有平台的有效签名（可能不是平台答复的）：按网络故障处理，会自动重试"),
    (r"unexpected answer|no acceptance|without a case|do not match its submissions",
     "平台的答复不合规定的格式（平台版本可能与本机不匹配），会自动重试"),
    (r"upload of an attachment did not complete", "附件没有传完，会从断点继续传"),
    # The local store (kiosk/store/errors.py: errno names and SQLite's messages).
    (r"EDQUOT|quota", "本机数据目录的磁盘配额用完了（磁盘本身可能还有空间：请放宽配额）"),
    (r"ENOSPC|No space left", "写入时本机数据目录所在的磁盘已满（请清理磁盘）"),
    (r"database or disk is full|SQLITE_FULL",
     "数据库写不进去：数据目录的磁盘、它的配额或系统临时目录已满"),
    (r"EROFS|read-only", "磁盘变成了只读（常见于磁盘故障：请检查硬件）"),
    (r"EACCES|EPERM|Permission denied|unable to open database",
     "没有权限读写本机数据目录（检查目录的所有者和权限）"),
    (r"EIO\b|disk I/O error", "磁盘读写出错（可能是硬件故障）"),
    (r"database is locked|database table is locked|EAGAIN|EBUSY",
     "数据库正被另一个程序占用（稍后会自动重试）"),
    (r"malformed|not a database|integrity", "本机数据库损坏（kiosk doctor 会说怎么恢复）"),
    (r"EMFILE|ENFILE|Too many open files", "打开的文件太多（会自动重试；经常出现请重新启动）"),
    (r"digest|attachment .*(missing|damaged)|missing attachment|DamagedAttachment",
     "本机保存的附件已损坏或丢失，重新发送也不会成功"),
    (r"no free receipt number", "本机的回执编号用完了（请联系平台管理员）"),
    (r"ENOENT|No such file", "本机的文件或目录不见了（检查数据目录）"),
    (r"StoreError|OperationalError|DatabaseError|local store", "本机存储出错"),
    # The program itself.
    (r"MemoryError", "内存不够（请重新启动）"),
    (r"TimeoutError|timed out|\btimeout\b", "等待超时（网络很慢或平台繁忙）"),
    (r"OSError|RuntimeError|ValueError|KeyError|TypeError|AttributeError|Exception",
     "程序出错（请把详情告诉维护人员）"),
])

# ---- the platform's own refusals: the error codes of wire/errors.py --------------------
PLATFORM_CODES = {
    "bad_request": "平台说请求格式不对（本机与平台的版本可能不匹配）",
    "not_found": "平台上没有这个接口（平台地址可能配置错了）",
    "method_not_allowed": "平台不接受这种请求（本机与平台的版本可能不匹配）",
    "http_error": "平台拒绝了请求",
    "invalid_request": "平台说请求的参数不对（本机与平台的版本可能不匹配）",
    "invalid_body": "平台说提交的内容格式不对（本机与平台的版本可能不匹配）",
    "duplicate_key": "平台说提交的内容有重复的项",
    "too_large": "提交或附件超过了平台的大小限制",
    "internal_error": "平台内部出错（会自动重试）",
    "maintenance": "平台正在维护（会在平台说的时间后重试）",
    "busy": "平台正忙（会在平台说的时间后重试）",
    "unsigned": "平台说请求没有签名",
    "signature_invalid": "平台说本机的签名不对（请重新登记本机）",
    "signature_stale": "平台说签名时间不对：本机时钟偏差太大（请校准时间）",
    "signature_replayed": "平台说这个请求被重复发送了（会自动重试）",
    "terminal_unknown": "平台不认识本机（本机没有登记或登记已撤销：请重新登记）",
    "terminal_mismatch": "提交里的终端编号与登记的不一致（检查配置中的终端编号）",
    "enrollment_refused": "平台拒绝登记（登记码不对、已用过或已过期）",
    "idempotency_key_missing": "请求缺少防重复编号（本机与平台的版本可能不匹配）",
    "idempotency_key_mismatch": "防重复编号与提交不一致",
    "idempotency_key_reused": "同一个提交编号被用于不同的内容",
    "in_progress": "平台正在处理同一件提交（会自动重试）",
    "attachments_missing": "平台还没有收到全部附件（会补传后重试）",
    "attachments_mismatch": "附件与提交里列出的不一致",
    "attachment_size_mismatch": "附件大小与提交里写的不一致",
    "too_many_attachments": "附件数量超过了平台的限制",
    "too_many_submissions": "一次发送的提交太多（会分开重发）",
    "digest_mismatch": "数据校验不一致（传输中损坏或本机附件损坏）",
    "inline_invalid": "随提交发送的附件格式不对",
    "envelope_invalid": "平台打不开加密的提交（平台的加密密钥可能换过：检查配置）",
    "envelope_mismatch": "加密的提交与它的编号不一致",
    "receipt_mismatch": "回执上的签名与提交不一致",
    "upload_offset_mismatch": "附件续传的位置不一致（会重新续传）",
    "upload_taken": "这个附件正被另一个连接上传（会自动重试）",
    "case_unknown": "平台上查不到这件事项",
    "case_query_limited": "查询次数太多，平台暂时不让查",
    "followup_case_unknown": "平台上还没有这件提交对应的事项（会自动重试）",
    "followup_invalid": "后续材料或评价的格式不对",
    "already_evaluated": "这件事项已经评价过了",
    "carry_refused": "平台拒收了U盘文件（文件损坏、不完整、属于另一个平台或已经导入过），没有导入任何内容",
    "agent_code_refused": "绑定码不对、已经用过或已过期，请向平台管理员要一个新的绑定码",
    "agent_code_limited": "输错绑定码次数太多，平台暂时不让这台终端绑定，请稍后再试",
}
# Any other code, known to a newer platform only: the status says what kind it is.
_CODE = re.compile(r"\b([1-5]\d\d) ([a-z][a-z0-9_]*):")
_STATUS = re.compile(r"\bHTTP ([1-5]\d\d)\b|\b([45]\d\d)\b(?= [a-z_]+:)")

HTTP_STATUSES = {
    400: "平台说请求不对",
    401: "平台不认本机的签名（检查登记和本机时间）",
    403: "平台不允许本机这样做（本机没有登记或登记已撤销）",
    404: "平台上没有这个地址（平台地址可能配置错了）",
    408: "平台等请求等超时了（会自动重试）",
    409: "平台上的状态不允许现在这样做（会自动重试）",
    413: "提交超过了平台的大小限制",
    422: "平台说提交的内容不合规定",
    429: "请求太频繁，平台要求等一会儿（会自动重试）",
    500: "平台内部出错（会自动重试）",
    502: "平台前面的网关出错（平台服务可能没有运行；会自动重试）",
    503: "平台暂时不可用（会自动重试）",
    504: "平台前面的网关等平台答复超时（会自动重试）",
}


# A refusal that came from something other than the platform (sync/answers.py NOT_THE_ITEM).
_NOT_THE_ITEM = re.compile(r"not the platform's refusal of this item")
NOT_THE_ITEM_WORDS = "这不是平台对这件提交的意见（平台地址可能配置错了：检查 api_url）"
# The store says "full" for a full disk, a full quota (EDQUOT) or a full temporary
# directory (SQLite's SQLITE_FULL): the free space measured now tells them apart.
_FULL = re.compile(r"ENOSPC|EDQUOT|No space left|database or disk is full|SQLITE_FULL|quota",
                   re.IGNORECASE)
ROOMY_BYTES = 1024 ** 3


def _size(n: int) -> str:
    gb = n / 1024 ** 3
    return f"{gb:.1f} GB" if gb >= 1 else f"{n / 1024 ** 2:.0f} MB"


def _status_words(status: int) -> str:
    if status in HTTP_STATUSES:
        return HTTP_STATUSES[status]
    return "平台出错（会自动重试）" if status >= 500 else f"平台拒绝了请求（HTTP {status}）"


def cause_words(text: str) -> str | None:
    """Why, in plain Chinese, or None when the table has no entry for it."""
    code = _CODE.search(text)
    if code and code.group(2) in PLATFORM_CODES:
        return PLATFORM_CODES[code.group(2)]
    for pattern, words in CAUSES:
        if pattern.search(text):
            return words
    status = _STATUS.search(text)
    if status:
        words = _status_words(int(status.group(1) or status.group(2)))
        return f"{words}；{NOT_THE_ITEM_WORDS}" if _NOT_THE_ITEM.search(text) else words
    if _NOT_THE_ITEM.search(text):
        return NOT_THE_ITEM_WORDS
    if code:  # a code this terminal does not know: its status says what kind it is
        return _status_words(int(code.group(1)))
    return None


def event_words(text: str) -> str | None:
    for pattern, words in EVENTS:
        if pattern.search(text):
            return words
    return None


def explain(text: str, *, free_bytes: int | None = None) -> Cause:
    """The words for one recorded cause or log line; the English kept as `detail`.
    `free_bytes`, the free space of the data directory's disk now, says of a "full"
    whether the disk itself is still full."""
    detail = text.strip()
    event, cause = event_words(detail), cause_words(detail)
    if event and cause and cause not in event:
        words = f"{event}。原因：{cause}"
    else:
        words = event or cause or UNKNOWN
    if free_bytes is not None and _FULL.search(detail):
        if free_bytes >= ROOMY_BYTES:
            words += (f"。现在磁盘还有 {_size(free_bytes)} 可用：满的可能是配额或系统临时目录，"
                      "或空间后来已经腾出")
        else:
            words += f"。现在磁盘只剩 {_size(free_bytes)}"
    return Cause(words, detail, bool(event or cause))
