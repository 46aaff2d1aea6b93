# testkit 共用的失败提示语（简体中文）。
# 与 en/testkit.ftl 的 id 一一对应，顺序相同。
# 值是纯文本：`\n` 就是反斜杠加 n。

## explain::io_error

io-timeout = 超时：{ $limit } 内没有收到数据
io-reset = 连接被重置（RST）：对方突然关闭了连接，没有正常告别
io-aborted = 连接在本端被中止
io-refused = 连接被拒绝：那个端口上没有程序在监听（服务器已经停了吗？）
io-broken-pipe = 管道已断开（broken pipe）：对方已经关闭了连接，不能再发送任何数据
io-not-connected = 未连接：这个套接字的连接已经不在了（已关闭，或已经 shutdown）
io-eof = 连接在一条消息的中途结束了（EOF）
io-addr-in-use = 地址已被占用：另一个套接字已经占用了那个端口
io-addr-not-available = 这个地址不属于本机
io-interrupted = 被信号中断（请重试这次调用）
io-invalid-input = 传给这次调用的参数无效
io-invalid-data = 数据无效
io-permission-denied = 权限不足
io-out-of-memory = 内存不足

## deadline::within

no-thread = 无法为 { $what } 启动线程：{ $error }
no-result = { $what } 在 { $limit } 内没有给出结果。它是不是在等永远不会来的字节（对方已经发完了，却还要再读一次），或者在等一个已经关闭的对端？

## panic 报告（learner）

todo-mark = 执行到了 `todo!()`
panic-todo-at = 在 { $place } 执行到了 `todo!()`（{ $message }）：这部分练习还没有写
panic-todo = 执行到了 `todo!()`（{ $message }）：这部分练习还没有写
panicked-at = 在 { $place } 发生了 panic：{ $message }
panicked = 发生了 panic：{ $message }
stray-todo-at = { $what } 启动的一个线程在 { $place } 执行到了 `todo!()`（{ $message }）：这部分练习还没有写
stray-todo = { $what } 启动的一个线程执行到了 `todo!()`（{ $message }）：这部分练习还没有写
returned = 返回了 { $value }
by-then = （那时 { $what } 已经{ $end }）
and-so = ……因此：{ $message }
did-not-return = { $what } 在 { $after } 之后 { $limit } 内没有返回
the-step-s-end = 步骤结束
ended-before-connect = { $what } { $end }，{ $name } 还没来得及连接
could-not-connect = { $name } 无法连接到 { $addr }：{ $error }。服务器在监听吗？
returned-error = { $what } 返回了错误：{ $error }
returned-error-after = { $what } 在 { $how } 之后返回了错误：{ $error }

## 步骤的 panic 钩子（检查器能识别每种语言的这些行）

hook-todo = 本步骤执行到了你代码里的 `todo!()`：这部分练习还没有写。
hook-hint = 提示（{ $step }）：{ $hint }
hook-more = （卡住了？`cargo checker hint` 会多说一些，每次多一级）
hook-replay = 重放这次运行：{ $var }={ $seed }

## 行客户端与交互记录

exchange = 交互记录（{ $name }）：
earlier-events = …… 更早的 { $count } 个事件
earlier-datagrams = …… 更早的 { $count } 个数据报
nothing-yet = （还什么都没有）
event-closed = （连接已关闭）
event-expected = （期望）
event-closed-silently = （连接关闭，一个字也没发）
event-from = （来自 { $from }，不是服务器）
note-silence = { $quiet } 内什么也没收到，正该如此
note-half-close = 半关闭（half-close）：本端不再发送字节（shutdown(Write)）
send-failed = 发送失败：{ $error }。服务器关闭连接了吗？
send-failed-datagram = 发送失败：{ $error }
closed-without-a-word = 服务器一个字也没发就关闭了连接
line-too-long = 收到了 { $count } 字节却没有 \n：一行必须以 \n 结尾
closed-mid-line = 服务器在一行的中途关闭了连接：每一行都以 \n 结尾
nothing-came = { $limit } 内什么也没收到。服务器是在等测试没有发送的东西，还是没有写出（并 flush）它的回复？
part-of-a-line = 收到了半行，之后 { $limit } 内再没有数据：每一行都以 \n 结尾
nothing-more-server-ended = 什么也没收到，而服务器已经结束了
line-not-expected = 收到的这一行不是期望的那一行
expected-but = 期望 { $expected }，但{ $why }
closed-after-bytes = 期望 { $total } 字节，服务器只发了 { $got } 字节就关闭了连接
bytes-not-expected = 收到的字节不是期望的字节
bytes-then-nothing = 期望 { $total } 字节，收到 { $got } 字节后 { $limit } 内再没有数据
expected-close-silently = 期望服务器一个字也不发就关闭连接
expected-close = 期望服务器关闭连接；但连接在 { $limit } 内一直开着
should-hear-nothing = 现在还不该收到任何东西（{ $why }）
should-wait-closed = 应该保持连接等待（{ $why }），但服务器关闭了连接
should-wait-but = 应该保持连接等待（{ $why }），但{ $words }
half-close-failed = 无法半关闭：{ $error }
own-socket-failed = 测试自己的套接字出错：{ $error }
no-reply-ended = 没有收到回复，而服务器已经不在运行，不会再回复了
no-reply-within = { $limit } 内没有收到回复：用 send_to(reply, from) 回复每个数据报，`from` 就是 recv_from 返回的地址
reply-not-expected = 收到的回复不是期望的回复
reply-from-elsewhere = 回复来自 { $from }，而不是服务器自己的套接字 { $server }
connect-within = { $limit } 内无法连接到 { $addr }：{ $error }。服务器在监听吗？

## 字节与差异

bytes-size = （{ $count } 字节）
diff-expected = 期望
diff-got = 实际
diff-text = 文本
diff-hex = 十六进制
diff-label = { $name }（{ $count } 字节，{ $kind }）：
diff-label-cut = { $name }（{ $count } 字节，{ $kind }，显示第 { $from }..{ $to } 字节）：
first-difference = ^ 第一处不同在第 { $at } 字节

## 分块发送与丢包

chunk-whole = 一次发完
chunk-one-byte = 每次一个字节
chunk-fixed = 每块 { $size } 字节
chunk-random = 随机分块，每块 1..={ $max } 字节（种子 { $seed }）
route-direct = 直连
route-relay = 经过中继，{ $chunking }
loss-plan = 丢弃 { $drop }%，重复 { $duplicate }%，乱序 { $reorder }%（种子 { $seed }）
