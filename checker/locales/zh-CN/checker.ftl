# 检查器（checker）的用语，简体中文。
# 与 en/checker.ftl 的 id 一一对应、顺序相同；末尾的 `cli-*` 是命令行帮助
# （英文帮助来自 src/cli.rs 的文档注释）。
# 值是纯文本；`{ $name }` 由检查器填入。

## 状态

status-done = 已完成
status-in-progress = 进行中
status-not-started = 未开始
status-does-not-compile = 编译不通过
status-timed-out = 超时
status-flagged = 被标记
step-pass = 通过
step-fail = 失败
step-error = 出错
step-not-run = 未运行
verb-pass = 通过
verb-fail = 失败：
verb-error = 没有运行完：
verb-not-run = 没有运行：

## 进度表、汇总和“下一步”

col-lesson = 课程
col-steps = 步骤
col-points = 得分
col-status = 状态
summary = 步骤 { $passed }/{ $total }，已完成课程 { $done }/{ $lessons }，得分 { $points }/{ $max }
label-next = 下一步：
label-hint = 提示：
label-hint-n = 提示 { $level }/{ $levels }：
label-hint-for = 提示（{ $step }）：
label-read = 阅读：
label-more = 更多：
label-chapter = 章节：
label-output = 输出：
next-all-done = 没有了：全部 { $count } 课都已完成。干得好！
next-lesson = { $id }，{ $title }（{ $status }）
next-fix-compile = 先修好它，再用这条命令查看全部错误：cargo test -p { $package }
more-commands = cargo checker { $id }   （或者：cargo test -p { $package }）
clip-more = ……（还有 { $count } 行）

## 单课详情与提示

detail-head = （{ $status }：步骤 { $passed }/{ $total }，得分 { $points }/{ $max }）
detail-fix-compile = 先修好上面的第一个错误，再运行：cargo test -p { $package }
hint-not-compiling = { $id } 还编译不通过：{ $error }
hint-fix-compile = 先修好第一个错误，再运行：cargo test -p { $package }
hint-again = （再运行一次 `cargo checker hint`，看下一级提示）
hint-all-pass = { $id }：每个步骤都通过了。干得好！
points-in-brackets = （{ $count } 分）

## 步骤没有通过的原因

not-run = 未运行
not-run-compile = 未运行：这一课编译不通过
not-run-stub = 你的 src/ 还是原样的骨架代码（stub）：这个步骤需要你写的代码
not-run-flagged = 未运行：这一课被标记了
not-run-time = 未运行：这一课 { $limit } s 的时间限制先用完了
problem-compile = 编译不通过：{ $error }
problem-timed-out = 超时：这一课 { $limit } s 的时间限制用完了；{ $total } 个步骤中完成了 { $finished } 个
problem-flagged = 被标记：{ $flags }
run-no-such-test = { $file } 里没有名为 `{ $step }` 的测试：lesson.toml 与测试不一致
run-cannot-list = 无法列出 { $binary } 的测试：{ $why }
run-cannot-run = 无法运行 { $binary }：{ $error }
run-in-case = （在 `{ $case }` 中）
run-timed-out = 超时：这个步骤运行时，这一课 { $limit } s 的时间限制用完了{ $case }。代码是在无限循环，还是在等永远不会来的东西？
run-stack-overflow = 崩溃：栈溢出（信号 { $signal }）
run-out-of-memory = 崩溃：内存不足，{ $line }（信号 { $signal }）
run-signal = 崩溃：信号 { $signal }（{ $name }）
run-exited-early = 测试进程在步骤结束前提前退出，退出码 { $code }{ $case }：你的代码调用了 std::process::exit 吗？
run-unconfirmed = 未确认的通过：测试运行器的输出说这个步骤通过了，但 testkit 从未确认，所以测试没有运行到最后。模仿测试运行器的输出，或者提前退出的进程，都不算通过。
run-ignored = 它有 { $count } 个测试被标记为 #[ignore]
run-only-some = 它的 { $total } 个测试只运行了 { $ran } 个
run-failed = 失败
run-case-failed = `{ $case }` 失败：
run-panicked = 发生了 panic
run-panicked-at = （在 { $place } 发生 panic）
ending-code = 它以退出码 { $code } 退出
ending-signal = 它被信号 { $signal }（{ $name }）杀死
ending-timed-out = 它没有按时结束
build-failed = cargo 无法构建这些课程：{ $error }
build-dependency-failed = 它依赖的一个包（{ $name }）编译不通过：{ $error }
build-no-binary = cargo 没有构建出测试程序：{ $error }

## 工作时显示的进度（stderr）

progress-plain = checker：{ $what }
progress-compiled = checker：{ $what }：已编译 { $count } 个 crate，最近一个是 { $name }
progress-steps = checker：{ $what }（{ $count } 个步骤）
progress-building = 正在构建
progress-building-one = 正在构建 { $id }
progress-building-lessons = 正在构建 { $count } 课
progress-running = 正在运行各个步骤
progress-verify-building = 正在构建 { $count } 课的骨架代码和参考答案
progress-verify-running = 正在让每个步骤分别跑骨架代码和参考答案
progress-mistake = 典型错误 { $n }/{ $total }：{ $file }
progress-building-dependencies = 正在构建课程的依赖
progress-building-course = 正在构建课程

## 错误与警告

error-prefix = checker：错误：
error-lang = 检查器不会说 `{ $value }`：请用 en 或 zh-CN
error-lesson-and-command = 课程和命令不能同时给出：`checker { $lesson }` 显示这一课；要用命令，就把课程写在命令后面（例如 `checker hint { $lesson }`）
error-no-lessons = 没有找到课程：没有 exercises/lessonNN-*/lesson.toml
error-not-a-workspace = 不在课程的工作区里：{ $dir } 及其上级目录中没有带 [workspace] 的 Cargo.toml 和 exercises/ 目录；请在课程目录里运行，或者用 --dir 指定那个目录
error-same-number = exercises/{ $first } 和 exercises/{ $second } 都是第 { $number } 课
error-unknown-lesson = 没有课程 `{ $arg }`：应为 { $lessons } 之一
error-unknown-lesson-none = 没有课程 `{ $arg }`：一课也没有
error-cannot-read = 无法读取 { $path }
error-verify-no-solutions = verify 要用参考答案检查每一课，而这个工作区没有 solutions/（是学习者的副本吗？）：请在课程自己的仓库里运行
toml-empty = `{ $key }` 是空的
toml-no-step = 没有列出任何 [[step]]
toml-hint-and-hints = 步骤 `{ $step }` 同时有 `hint` 和 `hints`：保留 `hints`
toml-step-name = 步骤名 `{ $step }` 必须形如 `stepNN_what_it_checks`
toml-step-twice = 步骤 `{ $step }` 列出了两次
warn-would-flag = 警告：评分时会标记这里：{ $place }（任何一课都用不到它；教师评分时这一课会得 0 分）
flag-path-attribute = `#[path]` 属性
flag-unsafe = `unsafe` 代码

## watch 与 reset

watch-label = 正在监视
watch-waiting = exercises/*/src 的改动（{ $how }）；按 Ctrl-C 停止。
watch-by-events = 文件事件
watch-by-polling = 每 { $ms } ms 轮询一次
watch-saved = 已保存：
watch-checking = 正在检查
watch-done = 完成：
watch-all-pass = { $id } 的每个步骤都通过了。干得好！保存另一课的代码来检查它。
watch-no-events = checker：这里用不了文件事件（{ $error }）：改为每 { $ms } ms 轮询一次
watch-failed = checker：文件监视出错（{ $error }）：改为每 { $ms } ms 轮询一次
watch-stopped = checker：文件监视停止了：改为每 { $ms } ms 轮询一次
watch-no-event = checker：有改动却没有文件事件（这里的文件事件不起作用）：改为每 { $ms } ms 轮询一次
reset-already-stub = { $id }：src/ 已经是骨架代码了；无需操作
reset-declined = { $id }：什么也没改
reset-restored = { $id }：已从提交 { $commit } 恢复骨架代码：{ $files }
reset-backup = 你的版本保存在 { $path }/
reset-needs-yes = reset 会覆盖 { $src }/，需要你确认：请在终端里运行，或者加上 --yes
reset-no-commit = git 里没有添加 { $file } 的提交：用 --from REV 指定一个
reset-no-src = 提交 { $commit } 里没有 { $src }/
reset-no-git = reset 从 git 取骨架代码，而 git 无法运行（{ $error }）：请安装 git，或者手动从课程仓库复制骨架代码
reset-not-a-repository = reset 从 git 取骨架代码，而 { $dir } 不是 git 仓库：请手动从课程仓库复制骨架代码
reset-ask = 重置 { $id }？你在 { $files } 里的改动会丢失（会保留一份备份）[y/N]

## verify

verify-ok = ok
verify-lesson-ok = { $steps } 个步骤在骨架代码上失败、在参考答案上通过
verify-lesson-ok-mistakes = { $steps } 个步骤在骨架代码上失败、在参考答案上通过；它的 { $mistakes } 个典型错误都被抓到了
verify-problems = { $count } 个问题
verify-no-lessons = exercises/ 下没有找到课程
verify-sound = 全部 { $count } 课都没有问题；{ $mistakes } 个典型错误都被它们指明的步骤抓到了
verify-unsound = { $count } 课中有 { $bad } 课有问题（共 { $problems } 个）
verify-updated-stub = 已更新 { $path } 里骨架代码的指纹
verify-solution-not-compiling = 参考答案编译不通过：{ $error }
verify-stub-not-compiling = 骨架代码编译不通过：{ $error }
verify-no-chapter = 它的章节 { $chapter } 不存在
verify-no-stub-fingerprint = { $file } 没有 `stub` 指纹（未改动的骨架代码不会被构建）：运行 `cargo checker verify --update-stubs`
verify-old-stub-fingerprint = { $file } 的 `stub` 指纹过时了（未改动的骨架代码不会被构建）：运行 `cargo checker verify --update-stubs`
verify-no-todo = { $file } 里已经没有 todo!()：骨架代码必须把活留给学习者
verify-no-solution = 它没有参考答案：{ $dir }/Cargo.toml 不存在
verify-no-hint = { $step } 在 lesson.toml 里没有提示（或者有一条是空的）
verify-no-hint-zh = { $step } 在 lesson.toml 里没有中文提示：加上 `hints-zh-CN = [...]`，`hints` 的每一级对应一条
verify-hint-zh-levels = { $step } 有 { $zh } 级中文提示（`hints-zh-CN`），英文提示（`hints`）却有 { $en } 级：每一级都要两种语言各一条
verify-empty-hint-zh = { $step } 在 lesson.toml 里有一条空的中文提示（`hints-zh-CN`）
verify-cannot-read = 无法读取 { $file }：{ $error }
verify-unlisted-steps = { $file } 里有 lesson.toml 没有列出的步骤函数：{ $steps }
verify-undefined-steps = lesson.toml 列出了 { $file } 里没有定义的步骤：{ $steps }
verify-step-order = lesson.toml 列出步骤的顺序与 { $file } 不同：文件里是 { $steps }
verify-step-table = { $chapter } 的步骤表列的是 { $table }，而 lesson.toml 是 { $steps }
verify-nothing = （无）
verify-summary = { $summary } 没有列出这一章（{ $file }）
verify-manifest-parse = { $file } 解析失败
verify-examples = 参考答案的 [[example]]（{ $listed }）与练习的 examples/（{ $files }）不一致
verify-examples-gated = 练习的 examples/（{ $files }）每个都要在它的 Cargo.toml 里写成带 required-features = ["examples"] 的 [[example]]，并声明 `examples` 特性，这样每次修改后 `cargo test` 不会去构建它们（现在已设置的：{ $listed }）
verify-binary-extra = 测试程序里有 `{ $step }`，而 lesson.toml 没有列出它
verify-binary-order = lesson.toml 的顺序与测试不同（步骤编号必须按文件顺序递增）：{ $steps }
verify-missing-test = lesson.toml 列出了 `{ $step }`，但测试程序里没有这个测试
verify-solution-fails = { $step } 在参考答案上没有通过（{ $status }）：{ $line }
verify-stub-passes = { $step } 在骨架代码上通过了：在学习者写出代码之前它必须失败
verify-stub-slow = { $step } 在骨架代码上没有在 { $limit } s 的限制内失败：错误的程序必须很快失败
mistake-no-header = { $file } 开头没有 `//! { $key } ...` 这一行
mistake-unknown-step = { $file } 指明了 `{ $step }`，而 lesson.toml 没有列出它
mistake-not-compiling = { $file } 编译不通过：{ $error }
mistake-built-nothing = { $file }：cargo 什么也没构建出来
mistake-did-not-run = { $file }：它的步骤没有运行
mistake-not-caught = { $file }（{ $what }）一直到 `{ $step }` 的每个步骤都通过了：没有步骤抓到它
mistake-other-step = { $file } 最先失败的是 `{ $step }`，不是 `{ $expected }`（{ $status }：{ $line }）
mistake-other-words = { $file } 如期在 `{ $step }` 失败，但它的消息里没有“{ $says }”：{ $line }
mistake-bad-patch = { $file } 在三行开头之后不是针对参考答案 src/lib.rs 的 unified diff（{ $error }）：把典型错误写成完整的 NAME.rs，再对它运行 scripts/mistake-to-patch.sh
mistake-stale-patch = { $file }：参考答案在它之下改变了：第 { $hunk } 个 hunk（第 { $at } 行：`{ $line }`）不再能应用到参考答案的 src/lib.rs。重新生成：scripts/mistake-to-patch.sh --restore { $file }（写出 { $rs }，修改它），然后 scripts/mistake-to-patch.sh { $rs }
mistake-not-a-patch = { $file } 是完整的程序而不是补丁：verify 只运行 mistakes/NAME.patch。用 scripts/mistake-to-patch.sh { $file } 转换它

## grade

col-submission = 提交
col-total = 总分
standing-graded = 已评分
standing-tests-modified = 测试被改动
standing-does-not-build = 构建失败
standing-flagged = 被标记
standing-build-timed-out = 构建超时
standing-build-over-memory = 构建超出内存
standing-empty = 空
standing-not-a-workspace = 不是工作区
standing-error = 出错
grade-unsandboxed = 用 --no-sandbox 评分：它的代码在没有限制的环境里运行，所以得分不能作为凭证
grade-warning = checker：警告：{ $warning }
grade-progress = checker：[{ $n }/{ $total }] { $name }：{ $points }/{ $max } 分，{ $standing }（{ $seconds } s）
grade-stubs-do-not-build = 课程的骨架代码在沙箱里构建失败：{ $error }
grade-wrote = 已写出 { $csv }，以及每份已评分提交的报告，位于 { $dir }
sandbox-as = 以 { $user } 的身份
sandbox-as-uid = 以 { $user }（uid { $uid }）的身份
sandbox-as-current = 以当前用户的身份
sandbox-processes = 最多再开 { $count } 个进程
sandbox-processes-unlimited = 进程数不受限制（这里无法计数）
sandbox-describe = 测试{ $who }运行：CPU { $cpu } s，内存 { $memory } MiB，文件 { $files } MiB，{ $processes }
jail-describe = 构建和测试{ $who }在 bubblewrap 沙箱里运行：只有回环地址，看不到 solutions/、其他提交和输出目录，私有 /tmp { $tmp } MiB
note-stray-killed = 测试之后杀死了 { $count } 个残留进程
note-not-a-directory = { $dir } 不是目录
note-no-exercises = 没有 exercises/lessonNN-* 目录
note-build-timed-out = 构建超时：{ $seconds } s 后仍在编译（--build-timeout）
note-build-over-memory = 构建超出内存：编译器需要超过 { $mib } MiB（--build-memory）
note-edits-ignored = 以下课程的改动被忽略（用课程自己的测试评分）：{ $lessons }
note-missing = 缺失（按骨架代码评分）：{ $lessons }
note-flagged = 被标记（0 分；审查后用 --allow-flagged 可以照常评分）：{ $flags }
note-flagged-allowed = 被标记，仍照常评分（--allow-flagged）：{ $flags }
note-first-error = 第一个错误：{ $error }
note-timed-out = 超时：{ $lessons }
note-over-limit = 超出限制：{ $steps }
flag-symlink = { $file } 是符号链接：请提交普通文件
flag-unconfirmed = 未确认的通过（模仿了测试运行器的输出，或者进程提前退出）：{ $steps }

## export-student 与 new-lesson

export-done = 已导出 { $count } 个文件到 { $dir }（不含 solutions/）。
export-done-classroom = 已导出 { $count } 个文件到 { $dir }（不含 solutions/），并附上 { $workflow }。
export-in-it = 在副本里：`cargo checker` 查看进度，`cargo test -p lesson01` 运行某一课的测试。
export-inside = { $dir } 在工作区里面：请导出到 { $root } 之外的目录
export-not-empty = { $dir } 不是空的：请导出到新的或空的目录
export-no-template = --classroom 需要工作流模板 { $template }，而这个工作区没有
export-edited = export-student 导出的是 git 在 HEAD 的内容，而这些文件与之不同：{ $files }（请先提交或 stash）
export-not-a-repository = export-student 导出的是 git 在 HEAD 的内容，而 { $dir } 不是有提交的 git 仓库
new-lesson-created = 已创建  { $path }
new-lesson-edited = 已修改  { $path }
new-lesson-next = 下一步：`cargo checker verify`（现在就能通过），然后按 CONTRIBUTING.md 的步骤来：骨架代码、步骤、参考答案、典型错误、章节。
new-lesson-number = 课程编号必须是 1 到 99，而不是 { $number }
new-lesson-slug = slug 只能由小写字母、数字和连字符组成，比如 `chat-room`：不能是 `{ $slug }`
new-lesson-title = 标题必须是一行，且不含双引号
new-lesson-exists = 第 { $number } 课已经存在：exercises/{ $dir }
new-lesson-path-exists = { $path } 已经存在

## 命令行帮助（只有中文；英文帮助是 src/cli.rs 的文档注释）

cli-about = 为课程的练习评分，并告诉你下一步做什么。
cli-long-about =
    为课程的练习评分，并告诉你下一步做什么。

    不带命令时：构建每一课的测试，用你的代码运行它们，打印一张步骤与得分的表、一行汇总，以及下一步该做什么。
cli-after-help =
    示例：
      cargo checker               每一课的进度
      cargo checker 5             第 05 课的详情（也可以写 lesson05、05）
      cargo checker hint 5        第 05 课第一个失败步骤的提示
      cargo checker --json        以 JSON 输出结果（也可以 --format json、junit、classroom）
      cargo checker watch         每次保存时重新运行你正在做的那一课
      cargo checker reset 5       把第 05 课恢复成骨架代码（你的版本会备份）
      cargo checker verify        检查课程本身是否健全
      cargo checker --lang en     说英文（默认跟随 LC_ALL、LC_MESSAGES 或 LANG）

    教师用：
      cargo checker grade alice/ bob/ --out grades/   为全班的提交评分
      cargo checker export-student ../course-student  给学习者的副本，不含 solutions/

    退出码：0 所选的每一课都通过，1 有的没通过，2 用法或环境错误。
cli-heading-usage = 用法:
cli-heading-commands = 命令
cli-heading-arguments = 参数
cli-heading-options = 选项
cli-value-command = 命令
cli-help = 打印帮助
cli-version = 打印版本
cli-arg-lesson = 查看这一课的详情：每个步骤、它的失败信息和输出。
cli-arg-json = 以一个 JSON 文档输出结果：等同于 `--format json`。
cli-arg-format = progress 和 LESSON 的输出格式：给人看的表格、JSON、给 CI 的 JUnit XML，或 GitHub Classroom 的结果文档。为 `junit` 时，grade 还会为每份提交写一个 JUnit 文件。
cli-arg-timeout = 每一课所有步骤的时间限制，单位秒。
cli-arg-jobs = 同时运行多少个步骤 [默认：CPU 数]。
cli-arg-dir = 为包含 DIR 的工作区评分，而不是当前目录。
cli-arg-lang = 检查器所有输出以及测试失败信息的语言：`en` 或 `zh-CN` [默认：来自 LC_ALL、LC_MESSAGES 或 LANG；以 `zh` 开头时为中文]。
cli-cmd-progress = 构建并运行各课的测试，打印进度表（默认命令）。
cli-arg-progress-lessons = 只看这些课（lesson05、05 或 5）；不给时为全部。
cli-cmd-hint = 显示一课的第一个失败步骤、它的失败信息和提示：先是一个方向，每问一次多给一级。
cli-arg-hint-lesson = 这一课（lesson05、05 或 5）[默认：你正在做的那一课：最近保存的，否则是第一个没完成的]。
cli-arg-hint-all = 打印每个步骤的每一级提示，不运行任何东西。
cli-cmd-new-lesson = 维护者用：新建一课：它的练习、参考答案、第一个步骤、一个典型错误、它的章节，以及它在 SUMMARY.md 和 README.md 里的条目（然后照 CONTRIBUTING.md 做）。
cli-arg-new-lesson-number = 课程编号，1 到 99。
cli-arg-new-lesson-slug = 它的 slug：小写字母、数字和连字符（`chat-room`）。
cli-arg-new-lesson-title = 它的标题，书和表格里都这样显示。
cli-cmd-verify = 维护者用：检查每个步骤在骨架代码上失败、在参考答案上通过，lesson.toml 正好列出现有的测试，每一章都存在，每个步骤都有中英文提示。
cli-arg-verify-update-stubs = 先把每个骨架代码的指纹写进它的 lesson.toml（在有意修改骨架代码之后）。
cli-cmd-watch = 每次保存时重新运行你正在做的那一课，显示它的第一个失败步骤和提示。
cli-cmd-watch-long =
    每次保存时重新运行你正在做的那一课，显示它的第一个失败步骤和提示。

    监视 exercises/*/src。不给 LESSON 时，跟随源码最近改动的那一课（启动时：最近编辑的那一课，否则是第一个没完成的）。使用文件事件，收不到事件时轮询文件时间。按 Ctrl-C 停止。
cli-arg-watch-lesson = 只看这一课（lesson05、05 或 5）。
cli-arg-watch-poll = 每半秒轮询一次文件时间，而不是等文件事件。
cli-cmd-reset = 从 git 恢复一课的骨架代码，并备份你的代码。
cli-cmd-reset-long =
    从 git 恢复一课的骨架代码，并备份你的代码。

    骨架代码是这一课的 src/ 在添加它的 src/lib.rs 的那次提交里的样子（或 --from REV）。你的文件会先复制到 .checker/backups/。除非给了 --yes，动手之前会先问你。
cli-arg-reset-lesson = 这一课（lesson05、05 或 5）。
cli-arg-reset-yes = 不要询问；不在终端里运行时需要它。
cli-arg-reset-from = 从这个 git 版本取骨架代码，而不是添加它的那次提交。
cli-cmd-grade = 教师用：用你自己的测试为全班的提交评分。
cli-cmd-grade-long =
    教师用：用你自己的测试为全班的提交评分。

    每个 SUBMISSION 是一位学习者的工作区副本，或者只是它的 exercises/。只从中取每一课的 src/；测试、lesson.toml 和 Cargo.toml 都来自本工作区，对它们的改动会报告为“测试被改动”。把 grades.csv 和 NAME.json（用 --format junit 时还有 NAME.xml）写到 --out，并打印一张表。
cli-arg-grade-submissions = 学习者的工作区（或它们的 exercises/ 目录）。
cli-arg-grade-out = grades.csv 和各份报告写到哪里。
cli-arg-grade-cache = 把临时工作区和构建缓存保留在这里，供以后再用 [默认：一个临时目录，用完删除]。
cli-arg-grade-cpu = 每个测试进程可用的 CPU 时间，单位秒 [默认：--timeout]。
cli-arg-grade-memory = 每个测试进程可映射的数据内存（堆、栈），单位 MiB。
cli-arg-grade-file-size = 测试进程可写的最大文件，单位 MiB。
cli-arg-grade-processes = 一份提交的测试同时可有的进程和线程数。
cli-arg-grade-build-timeout = 一份提交的构建可用的墙钟时间，单位秒。
cli-arg-grade-build-memory = 一份提交构建时每个编译器进程可用的内存，单位 MiB。
cli-arg-grade-tmp-size = 每个沙箱私有 /tmp（和 /dev/shm）的大小，单位 MiB。
cli-arg-grade-no-sandbox = 不用 bubblewrap 沙箱评分（不适合不可信的代码：每份报告都会注明）。
cli-arg-grade-allow-flagged = 在你看过之后，为因用了课程用不到的写法而被标记的课程照常评分；标记仍留在备注里。
cli-arg-grade-lessons = 只评这些课（例如 `--lessons 1,2`），比如某一周的作业；不给时为全部。
cli-cmd-export-student = 教师用：写一份给学习者的工作区副本，不含 solutions/。
cli-arg-export-student-destination = 一个空的（或新的）目录，在本工作区之外。
cli-arg-export-student-classroom = 同时把 GitHub Classroom 工作流装为 .github/workflows/classroom.yml。
